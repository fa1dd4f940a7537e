"""What the Dagster UI shows about each asset: kinds, owners, stage, code version, and the row
count and column schema of the tables written (no Neo4j needed)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd

from pipelines.dagster_meta import (
    COLUMN_SCHEMA,
    ROW_COUNT,
    parquet_metadata,
    source_digest,
    tables_metadata,
)

STAGES = {"ingest", "normalise", "resolve", "load", "attribute", "report", "share"}


def _small_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "account_id": ["acc_1", "acc_2", None],
        "requests": [3, 0, 7],
        "risk_score": [0.5, None, 0.25],
        "first_ts": pd.to_datetime(["2026-04-01", "2026-04-02", "2026-04-03"], utc=True),
        "is_campaign": [True, False, True],
    })


def test_parquet_metadata_has_rows_columns_and_types(tmp_path: Path) -> None:
    path = tmp_path / "scores.parquet"
    _small_frame().to_parquet(path, index=False)
    metadata = parquet_metadata(path)
    assert metadata[ROW_COUNT] == 3
    types = {c.name: c.type for c in metadata[COLUMN_SCHEMA].columns}
    assert list(types) == ["account_id", "requests", "risk_score", "first_ts", "is_campaign"]
    assert types["account_id"] in {"string", "large_string"}
    assert types["requests"] == "int64" and types["risk_score"] == "double"
    assert types["first_ts"].startswith("timestamp[") and "UTC" in types["first_ts"]
    assert types["is_campaign"] == "bool"
    assert metadata["path"] == dg.MetadataValue.path(str(path))


def test_an_empty_table_still_has_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    _small_frame().iloc[0:0].to_parquet(path, index=False)
    metadata = parquet_metadata(path)
    assert metadata[ROW_COUNT] == 0 and len(metadata[COLUMN_SCHEMA].columns) == 5


def test_tables_metadata_counts_every_table(tmp_path: Path) -> None:
    main, other = tmp_path / "clusters.parquet", tmp_path / "links.parquet"
    _small_frame().to_parquet(main, index=False)
    _small_frame().head(2).to_parquet(other, index=False)
    metadata = tables_metadata(main, {"links": other})
    assert metadata[ROW_COUNT] == 3
    assert metadata["tables"].value == {"links": {"rows": 2, "path": str(other)}}


def test_code_version_moves_with_the_sources_only(tmp_path: Path) -> None:
    step = tmp_path / "step"
    step.mkdir()
    (step / "logic.py").write_text("WEIGHT = 1\n")
    (tmp_path / "rules.yaml").write_text("threshold: 0.5\n")
    sources = ("step", "rules.yaml")
    before = source_digest(sources, tmp_path)
    assert source_digest(sources, tmp_path) == before and len(before) == 12
    (tmp_path / "unrelated.txt").write_text("not a source")
    source_digest.cache_clear()
    assert source_digest(sources, tmp_path) == before
    (tmp_path / "rules.yaml").write_text("threshold: 0.6\n")
    source_digest.cache_clear()
    assert source_digest(sources, tmp_path) != before


def test_every_asset_says_what_it_is_who_owns_it_and_its_version() -> None:
    from pipelines.definitions import assets

    specs = [spec for a in assets for spec in a.specs]
    assert len(specs) >= 25
    for spec in specs:
        name = spec.key.to_user_string()
        assert spec.kinds, name
        assert spec.owners and all(o.startswith("team:") for o in spec.owners), name
        assert spec.tags.get("stage") in STAGES, name
        assert spec.code_version and len(spec.code_version) == 12, name
    assert {len(spec.owners) for spec in specs} == {1}
    assert len({o for spec in specs for o in spec.owners}) in (2, 3)


def test_no_asset_output_is_typed_any() -> None:
    from pipelines.definitions import assets

    for asset in assets:
        output = asset.node_def.output_dict["result"]
        assert output.dagster_type.display_name != "Any", asset.key.to_user_string()


def test_every_table_reader_depends_on_the_tables_writer() -> None:
    """The registry's writers are assets, and the resolve and load assets depend on the writer
    of every table they read (the lineage Dagster draws is the one the code follows)."""
    from pipelines.definitions import defs
    from pipelines.load.assets import GRAPH_READS
    from pipelines.resolve.assets import RESOLUTION_READS
    from pipelines.tables import TABLES

    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {t.asset for t in TABLES.values()} <= keys
    for asset, reads in (("resolved_clusters", RESOLUTION_READS), ("identity_graph", GRAPH_READS)):
        parents = {k.to_user_string() for k in graph.get(dg.AssetKey(asset)).parent_keys}
        assert {TABLES[name].asset for name in reads.values()} <= parents, asset
