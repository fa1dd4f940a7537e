"""Usage aggregation as DuckDB SQL over the ingested Parquet day files: each day is folded once
into partial sums (per account, account×IP, ×category, ×day, ×10-minute bucket), and the partials
of every day are combined into the usage tables the later steps read. Neither step holds a table
whole in Python: DuckDB streams the files and spills to the work folder past its memory limit
(see :mod:`pipelines.normalise.sql`), so the seed preset's 30-million-row account×IP table is
combined in bounded memory.

The SQL itself is in :mod:`pipelines.normalise.usage_sql`; ``ATTRIB_ENGINE=spark`` runs the same
queries on Spark instead (:mod:`pipelines.normalise.usage_spark`), writing the same files."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from pipelines.errors import ContractError
from pipelines.ingest.days import DaySidecar, landing_digest, usage_day_files
from pipelines.normalise.sql import connect, write_parquet
from pipelines.normalise.usage_sql import (
    CATEGORIES_SEEN,
    COMBINE,
    EMPTY,
    EXTRACTION_CATEGORIES,
    PARTS,
    REQUEST_COLUMNS,
    SORT_KEYS,
    USAGE_TABLES,
    combine_accounts_query,
    fold_queries,
    partial_files,
)
from pipelines.settings import EngineSettings
from pipelines.tables import stage_paths, table_path

__all__ = ["EXTRACTION_CATEGORIES", "PARTS", "USAGE_TABLES", "aggregate_usage_day",
           "aggregate_usage_days", "combine_usage_days", "usage_summary"]

LOAD_DAY = f"""
    CREATE OR REPLACE TEMP TABLE requests AS
    SELECT {", ".join(REQUEST_COLUMNS)} FROM read_parquet($file)"""


@dataclass(frozen=True)
class UsageSummary:
    """What the combined usage tables hold (the tables themselves are Parquet files)."""

    accounts: int
    requests: int
    account_ip_pairs: int
    activity_buckets: int


def fold_day(path: Path, folder: Path, spill: Path) -> bool:
    """Fold one ingested usage file into the partial tables in ``folder``; False (and nothing
    written) when the file has no rows."""
    with connect(spill) as db:
        db.execute(LOAD_DAY, {"file": str(path)})
        if db.execute("SELECT count(*) FROM requests").fetchall()[0][0] == 0:
            return False
        for part, (query, parameters) in fold_queries("duckdb").items():
            write_parquet(db.query(query, params=parameters), folder / f"{part}.parquet")
    return True


def _ordered(query: str, table: str) -> str:
    return f"{query}\n    ORDER BY {', '.join(SORT_KEYS[table])}"


def combine_partials(folders: list[Path], outputs: Callable[[str], Path], spill: Path) -> None:
    """Combine the partial tables in ``folders`` (one per day) into the usage tables, written
    where ``outputs(name)`` says."""
    with connect(spill) as db:
        for part, files in partial_files(folders).items():
            db.read_parquet(files).create_view(f"partial_{part}")
        for name, query in COMBINE.items():
            write_parquet(db.query(_ordered(query, name)), outputs(name))
        db.read_parquet(str(outputs("usage_account_days"))).create_view("combined_days")
        categories = [row[0] for row in db.execute(CATEGORIES_SEEN).fetchall()]
        query, parameters = combine_accounts_query(categories)
        write_parquet(db.query(_ordered(query, "usage_accounts"), params=parameters),
                      outputs("usage_accounts"))


def write_empty_tables(outputs: Callable[[str], Path], spill: Path) -> None:
    """The usage tables of a landing folder without requests: no rows, every column."""
    with connect(spill) as db:
        for name, columns in EMPTY.items():
            db.execute(f"CREATE OR REPLACE TEMP TABLE empty ({columns})")
            write_parquet(db.table("empty"), outputs(name))


def fold_days(files: dict[str, Path], folders: dict[str, Path], spill: Path
              ) -> Iterator[tuple[str, bool]]:
    """Fold each day's file into its folder, one day at a time (memory bounded by a day);
    yield each day as it is done, and whether it had requests."""
    for day, path in files.items():
        yield day, fold_day(path, folders[day], spill)


Folds = Callable[[dict[str, Path], dict[str, Path], Path], Iterator[tuple[str, bool]]]


@dataclass(frozen=True)
class Engine:
    """What runs the usage SQL: DuckDB in this process, or Spark (local or a cluster)."""

    name: str
    fold_days: Folds
    combine_partials: Callable[[list[Path], Callable[[str], Path], Path], None]


def usage_engine() -> Engine:
    """The one engine switch, ``ATTRIB_ENGINE`` (see :class:`EngineSettings`)."""
    if EngineSettings.from_env().engine == "spark":
        from pipelines.normalise import usage_spark  # pyspark is imported only when asked for

        return Engine("spark", usage_spark.fold_days, usage_spark.combine_partials)
    return Engine("duckdb", fold_days, combine_partials)


def aggregate_usage_days(paths, days: list[str], progress: Callable[[str], None] = lambda _: None
                         ) -> dict[str, str]:
    """Fold ingested days into partial aggregates, each skipped when already done for the same
    landing file, the others in one pass of the engine; return what happened to each day.
    A day's sidecar is written once its partials are, so a killed run folds it again."""
    pending: dict[str, str] = {}
    outcomes: dict[str, str] = {}
    for day in days:
        ingested = DaySidecar(paths.usage_day_ingested(day)).source_digest()
        if ingested is None:
            raise ContractError(f"usage for {day} has not been ingested: materialise partition "
                                f"{day} of ingested_api_usage first.")
        folder = paths.usage_day_partials(day)
        sidecar = DaySidecar(folder)
        if sidecar.source_digest() == ingested:
            outcomes[day] = "unchanged"
            continue
        sidecar.path.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        pending[day] = ingested
    engine = usage_engine()
    for day, folded in engine.fold_days({day: paths.usage_day_ingested(day) for day in pending},
                                        {day: paths.usage_day_partials(day) for day in pending},
                                        paths.output(f"tmp/{engine.name}")):
        progress(f"usage {day}: {'folded' if folded else 'no requests'}")
        DaySidecar(paths.usage_day_partials(day)).write(pending[day], empty=not folded)
        outcomes[day] = "aggregated" if folded else "empty"
    return {day: outcomes[day] for day in days}


def aggregate_usage_day(paths, day: str, progress: Callable[[str], None] = lambda _: None) -> str:
    """Fold one ingested day (see :func:`aggregate_usage_days`); return what happened."""
    return aggregate_usage_days(paths, [day], progress)[day]


def combine_usage_days(paths, progress: Callable[[str], None] = lambda _: None
                       ) -> UsageSummary:
    """Write the usage tables over every day in the landing folder; each day must have been
    folded from the file that is there now (otherwise the answer would mix old and new
    exports)."""
    files = usage_day_files(paths.landing)
    stale = [day for day, path in files.items()
             if DaySidecar(paths.usage_day_partials(day)).source_digest() != landing_digest(path)]
    if stale:
        raise ContractError(
            f"{len(stale)} usage day(s) in the landing folder are not ingested yet, or changed "
            f"since: {', '.join(stale[:5])}{' …' if len(stale) > 5 else ''}. Materialise those "
            "partitions of ingested_api_usage and normalised_usage_day (the landing sensor and "
            "`attrib demo` do this), then run again."
        )
    folders = [paths.usage_day_partials(day) for day in sorted(files)]
    folders = [f for f in folders if (f / f"{PARTS[0]}.parquet").exists()]
    engine = usage_engine()
    progress(f"usage: combining {len(folders)} day(s) with requests ({engine.name})")
    outputs = stage_paths(paths, "normalised")
    if folders:
        engine.combine_partials(folders, outputs, paths.output(f"tmp/{engine.name}"))
    else:  # nothing to distribute: DuckDB writes the empty tables whichever engine is set
        write_empty_tables(outputs, paths.output("tmp/duckdb"))
    return usage_summary(paths)


def usage_summary(paths) -> UsageSummary:
    accounts = pq.read_table(table_path(paths, "normalised/usage_accounts"), columns=["requests"])
    return UsageSummary(
        accounts=accounts.num_rows,
        requests=int(accounts["requests"].to_numpy().sum()) if accounts.num_rows else 0,
        account_ip_pairs=pq.ParquetFile(
            table_path(paths, "normalised/usage_account_ips")).metadata.num_rows,
        activity_buckets=pq.ParquetFile(
            table_path(paths, "normalised/usage_account_buckets")).metadata.num_rows,
    )
