"""Operating the pipeline: the daily schedule, and a sensor that starts one run per new drop
of files in the landing folder (never a file still being written)."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import dagster as dg

from pipelines.paths import PipelinePaths

DAILY_CRON = "0 3 * * *"
SETTLE_SECONDS = 30  # a file modified more recently than this may still be being written


def landing_fingerprint(landing: Path) -> tuple[str, bool]:
    """(digest of every landing file's name, size and mtime; whether all have settled)."""
    entries, settled, now = [], True, time.time()
    for path in sorted(landing.glob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        stat = path.stat()
        entries.append((path.name, stat.st_size, int(stat.st_mtime)))
        settled &= now - stat.st_mtime >= SETTLE_SECONDS
    digest = hashlib.sha256(json.dumps(entries).encode()).hexdigest()[:16]
    return digest, settled and bool(entries)


def build_operations(main_job) -> tuple[list, list]:
    schedule = dg.ScheduleDefinition(
        name="daily_main", job=main_job, cron_schedule=DAILY_CRON,
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description="Rebuild everything from the landing folder every day at 03:00.")

    @dg.sensor(job=main_job, minimum_interval_seconds=60,
               default_status=dg.DefaultSensorStatus.STOPPED,
               description="One run per new drop of files in the landing folder.")
    def landing_drop_sensor(context: dg.SensorEvaluationContext, paths: PipelinePaths):
        digest, settled = landing_fingerprint(paths.landing)
        if digest == context.cursor:
            return dg.SkipReason("no new files in the landing folder")
        if not settled:
            return dg.SkipReason("files are still being written; waiting for them to settle")
        context.update_cursor(digest)
        return dg.RunRequest(run_key=f"drop-{digest}", tags={"landing_drop": digest})

    return [schedule], [landing_drop_sensor]
