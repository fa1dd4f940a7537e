"""The schedule and the landing-drop sensor: one run per settled drop, none while writing."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg

from pipelines.definitions import defs
from pipelines.operate import SETTLE_SECONDS
from pipelines.paths import PipelinePaths


def _age(path: Path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def _evaluate(sensor, paths: PipelinePaths, cursor: str | None):
    context = dg.build_sensor_context(cursor=cursor, resources={"paths": paths})
    return sensor(context), context.cursor


def test_schedule_and_sensor_are_defined() -> None:
    assert defs.resolve_schedule_def("daily_main").cron_schedule == "0 3 * * *"
    assert defs.resolve_sensor_def("landing_drop_sensor").job_name == "main"


def test_one_run_per_settled_drop(tmp_path: Path) -> None:
    sensor = defs.resolve_sensor_def("landing_drop_sensor")
    paths = PipelinePaths(landing_dir=str(tmp_path), work_dir=str(tmp_path / "w"))
    drop = tmp_path / "accounts.csv"
    drop.write_text("account_id\n")
    result, cursor = _evaluate(sensor, paths, None)
    assert isinstance(result, dg.SkipReason) and "still being written" in result.skip_message
    _age(drop, SETTLE_SECONDS + 5)
    result, cursor = _evaluate(sensor, paths, None)
    assert isinstance(result, dg.RunRequest) and result.run_key.startswith("drop-")
    again, _ = _evaluate(sensor, paths, cursor)
    assert isinstance(again, dg.SkipReason)  # same drop, polled again: no second run
    (tmp_path / "ownership.csv").write_text("child_org_id\n")
    _age(tmp_path / "ownership.csv", SETTLE_SECONDS + 5)
    next_drop, _ = _evaluate(sensor, paths, cursor)
    assert isinstance(next_drop, dg.RunRequest) and next_drop.run_key != result.run_key
