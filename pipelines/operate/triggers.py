"""Operating the pipeline: the daily schedule, and a sensor that starts one run per new drop
of files in the landing folder (never while a file is still being written).

A run takes in only the usage days whose files are new or replaced (a range of daily partitions;
unchanged days inside the range are skipped cheaply), then rebuilds the derived tables and
updates the graph by difference."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from pipelines.ingest.days import USAGE_FOLDER, DaySidecar, usage_day_files
from pipelines.operate.partitions import range_tags
from pipelines.paths import PipelinePaths
from pipelines.snapshot import landing_files

DAILY_HOUR = 3
SETTLE_SECONDS = 30  # a file modified more recently than this may still be being written
USAGE_DAY_ASSETS = (dg.AssetKey("ingested_api_usage"), dg.AssetKey("normalised_usage_day"))


def _stamp(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


@dataclass
class LandingState:
    """What the landing folder holds: a stamp per usage day and one for everything else."""

    days: dict[str, str]
    others: str
    settled: bool

    @classmethod
    def read(cls, landing: Path) -> LandingState:
        now, settled, others = time.time(), True, []
        for path in landing_files(landing):
            settled &= now - path.stat().st_mtime >= SETTLE_SECONDS
            if path.parent.name != USAGE_FOLDER:
                others.append((path.name, _stamp(path)))
        days = {day: _stamp(path) for day, path in usage_day_files(landing).items()}
        digest = hashlib.sha256(json.dumps(others).encode()).hexdigest()[:16]
        return cls(days=days, others=digest, settled=settled and bool(days or others))

    @property
    def digest(self) -> str:
        text = json.dumps({"days": self.days, "others": self.others}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def cursor(self) -> str:
        return json.dumps({"days": self.days, "others": self.others, "digest": self.digest})


def drop_request(state: LandingState, cursor: str | None, publish_keys: list[dg.AssetKey],
                 not_taken_in: frozenset[str] = frozenset()) -> dg.RunRequest | dg.SkipReason:
    """The run a landing folder in ``state`` needs, given what the last run request saw. Days
    that no run has taken in yet (an earlier run for them failed) ride along with the drop."""
    seen = json.loads(cursor) if cursor else {"days": {}, "others": None, "digest": None}
    if state.digest == seen["digest"]:
        return dg.SkipReason("no new files in the landing folder")
    if not state.settled:
        return dg.SkipReason("files are still being written; waiting for them to settle")
    changed = sorted(day for day, stamp in state.days.items()
                     if seen["days"].get(day) != stamp or day in not_taken_in)
    tags = {"landing_drop": state.digest}
    if changed:
        return dg.RunRequest(run_key=f"drop-{state.digest}",
                             tags={**tags, **range_tags(changed)})
    # Only reference exports (or a removed day) changed: rebuild without ingesting any day.
    return dg.RunRequest(run_key=f"drop-{state.digest}", tags=tags, asset_selection=publish_keys)


def publish_selection(asset_keys: list[dg.AssetKey]) -> list[dg.AssetKey]:
    """Everything but the per-day usage assets: what a run without new usage days rebuilds."""
    return [key for key in asset_keys if key not in USAGE_DAY_ASSETS]


def build_operations(main_job, asset_keys: list[dg.AssetKey]) -> tuple[list, list]:
    schedule = dg.build_schedule_from_partitioned_job(
        main_job, name="daily_main", hour_of_day=DAILY_HOUR,
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description="Every day at 03:00 UTC: take in yesterday's usage file and update the "
        "graph, clusters and attributions.")

    @dg.sensor(job=main_job, minimum_interval_seconds=60,
               default_status=dg.DefaultSensorStatus.STOPPED,
               description="One run per new drop of files in the landing folder: new or "
               "replaced usage days are ingested, then everything derived is updated.")
    def landing_drop_sensor(context: dg.SensorEvaluationContext, paths: PipelinePaths):
        state = LandingState.read(paths.landing)
        not_taken_in = frozenset(day for day in state.days
                                 if not DaySidecar(paths.usage_day_partials(day)).path.exists())
        request = drop_request(state, context.cursor, publish_selection(asset_keys),
                               not_taken_in)
        if isinstance(request, dg.RunRequest):
            context.update_cursor(state.cursor())
        return request

    return [schedule], [landing_drop_sensor]
