"""The daily partitions of API usage: one partition per UTC day, one landing file per day."""

from __future__ import annotations

import os
import warnings

import dagster as dg

from pipelines.errors import ContractError
from pipelines.settings import load_env

DEFAULT_USAGE_START = "2026-01-01"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def usage_start() -> str:
    load_env()
    return os.environ.get("ATTRIB_USAGE_START", DEFAULT_USAGE_START)


usage_days = dg.DailyPartitionsDefinition(start_date=usage_start(), end_offset=1,
                                          timezone="UTC", fmt="%Y-%m-%d")
warnings.filterwarnings("ignore", category=dg.BetaWarning)  # backfill_policy: stable enough
# Several days in one run (a backfill, or a first load of history) are processed in one step.
ONE_RUN = dg.BackfillPolicy.single_run()


def range_tags(days: list[str]) -> dict[str, str]:
    """Tags that make one run cover every day from the first to the last of ``days``."""
    first, last = min(days), max(days)
    if first < usage_start():
        raise ContractError(
            f"The landing folder has usage for {first}, before the first usage partition "
            f"({usage_start()}). Set ATTRIB_USAGE_START={first} (or earlier) in the environment "
            "or .env and start again."
        )
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}
