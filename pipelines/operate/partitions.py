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


def first_landed_day() -> str | None:
    """The earliest UTC day with a usage file in the landing folder, if any."""
    from pipelines.ingest.days import DAY_FILE, USAGE_FOLDER
    from pipelines.paths import PipelinePaths

    folder = PipelinePaths.from_env().landing / USAGE_FOLDER
    days = sorted(m.group(1) for p in (folder.iterdir() if folder.is_dir() else [])
                  if (m := DAY_FILE.match(p.name)))
    return days[0] if days else None


def usage_start() -> str:
    """First usage partition: ATTRIB_USAGE_START if set, else the first day that has landed (so
    the UI shows no empty months before the data), else a fixed default."""
    load_env()
    return os.environ.get("ATTRIB_USAGE_START") or first_landed_day() or DEFAULT_USAGE_START


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
