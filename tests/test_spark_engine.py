"""Spark folds and combines the usage days into the same tables as DuckDB: every partial and
every combined table equal row for row, with the same columns and types, the combined ones in
the same order. Spark runs in local mode (one session for the module, started once: it costs
seconds), over a small world with requests on day and bucket boundaries."""

from __future__ import annotations

import logging
import os
import random
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipelines.errors import SettingsError
from pipelines.ingest.days import usage_day_files
from pipelines.ingest.usage import ingest_usage_day
from pipelines.normalise.usage import USAGE_TABLES, aggregate_usage_days, combine_usage_days
from pipelines.normalise.usage_sql import PARTS, SORT_KEYS
from pipelines.paths import PipelinePaths
from pipelines.settings import EngineSettings
from pipelines.tables import read_table, stage_paths, table_path
from tests.test_usage_tables import USAGE, _land, _random_requests

JAVA_MISSING = shutil.which("java") is None and not os.environ.get("JAVA_HOME")
REQUESTS = 2_000
EMPTY_DAY = "2026-04-30"  # a partition without a usage file: ingested as an empty day


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """One local Spark session for the module: two threads, two shuffle partitions, no UI."""
    if JAVA_MISSING:
        pytest.skip("Spark needs Java 17 or later: none on PATH and JAVA_HOME is not set")
    usage_spark = pytest.importorskip(
        "pipelines.normalise.usage_spark", reason="pyspark is not installed (the dev extra has it)")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ATTRIB_SPARK_MASTER", "local[2]")
        patch.setenv("ATTRIB_SPARK_SHUFFLE_PARTITIONS", "2")
        session = usage_spark.spark_session(tmp_path_factory.mktemp("spark-spill"))
    yield usage_spark
    session.stop()


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> PipelinePaths:
    """Ingested request days (and one day without usage), not yet folded."""
    seed = random.randrange(10**6)
    logging.getLogger(__name__).warning("spark engine test seed: %d", seed)
    root = tmp_path_factory.mktemp("world")
    paths = PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "work"))
    _land(paths, _random_requests(random.Random(seed), REQUESTS))
    for day in _days(paths):
        ingest_usage_day(USAGE, paths, day)
    return paths


def _days(paths: PipelinePaths) -> list[str]:
    return [EMPTY_DAY, *usage_day_files(paths.landing)]


def _copy_ingested(world: PipelinePaths, root: Path) -> PipelinePaths:
    paths = PipelinePaths(landing_dir=str(world.landing), work_dir=str(root / "work"))
    shutil.copytree(world.work / "ingested", paths.work / "ingested")
    return paths


def _fold_and_combine(paths: PipelinePaths, engine: str, monkeypatch) -> dict[str, str]:
    monkeypatch.setenv("ATTRIB_ENGINE", engine)
    outcomes = aggregate_usage_days(paths, _days(paths))
    combine_usage_days(paths)
    return outcomes


def _assert_same_table(duckdb_file: Path, spark_file: Path, keys: list[str]) -> None:
    duck, spark = pq.read_table(duckdb_file), pq.read_table(spark_file)
    assert spark.schema.names == duck.schema.names, spark_file.name
    assert spark.schema.types == duck.schema.types, spark_file.name  # nullability may differ
    assert spark.num_rows == duck.num_rows > 0, spark_file.name
    pd.testing.assert_frame_equal(spark.to_pandas().sort_values(keys, ignore_index=True),
                                  duck.to_pandas().sort_values(keys, ignore_index=True),
                                  obj=str(spark_file))


def _assert_same_combined(duckdb: PipelinePaths, spark: PipelinePaths) -> None:
    for name in USAGE_TABLES:
        files = table_path(duckdb, f"normalised/{name}"), table_path(spark, f"normalised/{name}")
        _assert_same_table(*files, keys=list(SORT_KEYS[name]))
        duck, other = (pq.read_table(f).to_pandas() for f in files)
        assert other.equals(duck), f"{name}: the same rows in another order"


def test_spark_tables_equal_the_duckdb_tables(spark, world, tmp_path, monkeypatch) -> None:
    duckdb = _copy_ingested(world, tmp_path / "duckdb")
    on_spark = _copy_ingested(world, tmp_path / "spark")
    duckdb_outcomes = _fold_and_combine(duckdb, "duckdb", monkeypatch)
    spark_outcomes = _fold_and_combine(on_spark, "spark", monkeypatch)

    assert spark_outcomes == duckdb_outcomes
    assert duckdb_outcomes[EMPTY_DAY] == "empty"
    for day, outcome in duckdb_outcomes.items():
        for part in PARTS if outcome == "aggregated" else ():
            files = [p.usage_day_partials(day) / f"{part}.parquet" for p in (duckdb, on_spark)]
            _assert_same_table(*files, keys=pq.read_schema(files[0]).names)
    _assert_same_combined(duckdb, on_spark)
    accounts = read_table(on_spark, "normalised/usage_accounts")
    assert accounts["requests"].sum() == REQUESTS


def test_spark_combines_days_duckdb_folded(spark, world, tmp_path, monkeypatch) -> None:
    """Switching engine between runs: days folded before (by DuckDB) are combined by Spark."""
    duckdb = _copy_ingested(world, tmp_path / "duckdb")
    _fold_and_combine(duckdb, "duckdb", monkeypatch)
    mixed = PipelinePaths(landing_dir=str(world.landing), work_dir=str(tmp_path / "mixed"))
    folders = [duckdb.usage_day_partials(day) for day in usage_day_files(world.landing)]
    spark.combine_partials([f for f in folders if (f / "accounts.parquet").exists()],
                           stage_paths(mixed, "normalised"), tmp_path / "spill")
    _assert_same_combined(duckdb, mixed)


def test_an_unknown_engine_is_refused_by_name(monkeypatch) -> None:
    monkeypatch.setenv("ATTRIB_ENGINE", "hadoop")
    with pytest.raises(SettingsError, match=r"ATTRIB_ENGINE='hadoop'.*duckdb, spark"):
        EngineSettings.from_env()
