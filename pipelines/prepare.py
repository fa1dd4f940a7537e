"""Every step before resolution as plain function calls (no Dagster): ingest each source and
each usage day, normalise, combine the days. Benchmarks and tests use it; the assets run the
same functions one step at a time."""

from __future__ import annotations

from collections.abc import Callable

from pipelines.contract import load_contracts
from pipelines.ingest.assets import ingest_source
from pipelines.ingest.days import usage_day_files
from pipelines.ingest.usage import ingest_usage_day
from pipelines.normalise.assets import TABLES, normalise_table
from pipelines.normalise.usage import aggregate_usage_days, combine_usage_days
from pipelines.paths import PipelinePaths


def ingest_usage_days(paths: PipelinePaths, progress: Callable[[str], None] = lambda _: None
                      ) -> int:
    """Ingest and fold every usage day of the landing folder; return the rows read."""
    contract, days = load_contracts()["api_usage"], list(usage_day_files(paths.landing))
    read = sum(ingest_usage_day(contract, paths, day, progress).read for day in days)
    aggregate_usage_days(paths, days)  # in one pass where the engine can (Spark)
    return read


def prepare_tables(paths: PipelinePaths, progress: Callable[[str], None] = lambda _: None
                   ) -> None:
    for contract in load_contracts().values():
        if not contract.large:
            ingest_source(contract, paths, progress)
    for table in TABLES:
        normalise_table(table, paths)
    ingest_usage_days(paths, progress)
    combine_usage_days(paths, progress)
