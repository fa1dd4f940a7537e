"""The schedule and the landing-drop sensor: one run per settled drop, none while writing."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.errors import ContractError
from pipelines.ingest.days import DaySidecar
from pipelines.operate.partitions import RANGE_END_TAG, RANGE_START_TAG, range_tags
from pipelines.operate.runner import run_main_job
from pipelines.operate.triggers import SETTLE_SECONDS
from pipelines.paths import PipelinePaths
from tests.landing import account, payment, write_landing


def _age(path: Path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def _evaluate(sensor, paths: PipelinePaths, cursor: str | None):
    context = dg.build_sensor_context(cursor=cursor, resources={"paths": paths})
    return sensor(context), context.cursor


def test_schedule_and_sensor_are_defined() -> None:
    schedule = defs.resolve_schedule_def("daily_main")
    assert schedule.cron_schedule == "0 3 * * *" and schedule.job_name == "main"
    assert defs.resolve_sensor_def("landing_drop_sensor").job_name == "main"


def _settle(*files: Path) -> None:
    for path in files:
        _age(path, SETTLE_SECONDS + 5)


def _taken_in(paths: PipelinePaths, *days: str) -> None:
    """What a successful run leaves behind for each day it folded."""
    for day in days:
        DaySidecar(paths.usage_day_partials(day)).write("digest")


def test_one_run_per_settled_drop_covering_only_new_days(tmp_path: Path) -> None:
    sensor = defs.resolve_sensor_def("landing_drop_sensor")
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    landing = paths.landing
    (landing / "api_usage").mkdir(parents=True)
    accounts, day1, day2 = (landing / "accounts.csv", landing / "api_usage/2026-05-01.csv",
                            landing / "api_usage/2026-05-02.csv")
    for path in (accounts, day1, day2):
        path.write_text("x\n")
    result, cursor = _evaluate(sensor, paths, None)
    assert isinstance(result, dg.SkipReason) and "still being written" in result.skip_message
    _settle(accounts, day1, day2)
    result, cursor = _evaluate(sensor, paths, None)
    assert isinstance(result, dg.RunRequest) and result.run_key.startswith("drop-")
    assert (result.tags[RANGE_START_TAG], result.tags[RANGE_END_TAG]) == ("2026-05-01",
                                                                          "2026-05-02")
    again, _ = _evaluate(sensor, paths, cursor)
    assert isinstance(again, dg.SkipReason)  # same drop, polled again: no second run
    _taken_in(paths, "2026-05-01", "2026-05-02")

    day3 = landing / "api_usage/2026-05-03.csv"
    day3.write_text("x\n")
    _settle(day3)
    next_drop, cursor = _evaluate(sensor, paths, cursor)
    assert isinstance(next_drop, dg.RunRequest) and next_drop.run_key != result.run_key
    assert next_drop.tags[RANGE_START_TAG] == next_drop.tags[RANGE_END_TAG] == "2026-05-03"

    (landing / "ownership.csv").write_text("child_org_id\n")  # no usage day changed
    _taken_in(paths, "2026-05-03")
    _settle(landing / "ownership.csv")
    publish, _ = _evaluate(sensor, paths, cursor)
    assert isinstance(publish, dg.RunRequest) and RANGE_START_TAG not in publish.tags
    assert dg.AssetKey("ingested_api_usage") not in publish.asset_selection
    assert dg.AssetKey("identity_graph") in publish.asset_selection


def test_a_day_whose_run_failed_rides_along_with_the_next_drop(tmp_path: Path) -> None:
    sensor = defs.resolve_sensor_def("landing_drop_sensor")
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    landing = paths.landing
    (landing / "api_usage").mkdir(parents=True)
    first = landing / "api_usage/2026-05-01.csv"
    first.write_text("x\n")
    _settle(first)
    _, cursor = _evaluate(sensor, paths, None)  # its run fails: no partials are written
    second = landing / "api_usage/2026-05-02.csv"
    second.write_text("x\n")
    _settle(second)
    request, _ = _evaluate(sensor, paths, cursor)
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == ("2026-05-01",
                                                                            "2026-05-02")


def test_a_day_before_the_first_partition_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="ATTRIB_USAGE_START"):
        range_tags(["2019-01-01"])


@pytest.mark.neo4j
def test_a_failing_blocking_check_stops_publication(tmp_path: Path, empty_graph,
                                                    neo4j_resource) -> None:
    """Billing names that yield no identity in every row (a broken export): identifiers_parse
    fails on the payment instruments, and nothing downstream runs or reaches the graph."""
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    accounts = [account(f"acc_{i}") for i in range(10)]
    payments = [payment(f"acc_{i}", f"fp_{i}", billing_name="---") for i in range(10)]
    write_landing(paths.landing, accounts=accounts, payment_instruments=payments, api_usage=[{
        "ts": "2026-05-01T10:00:00Z", "account_id": "acc_1", "api_key_id": "k",
        "source_ip": "198.18.0.9", "model": "m", "input_tokens": 1, "output_tokens": 1,
        "prompt_category": "coding", "request_id": "r1"}])
    result, _ = run_main_job(paths=paths, instance=dg.DagsterInstance.ephemeral(),
                             neo4j=neo4j_resource)
    failed = [c for c in result.get_asset_check_evaluations() if not c.passed]
    assert [(c.asset_key.to_user_string(), c.check_name) for c in failed] == [
        ("normalised_payment_instruments", "identifiers_parse")]
    published = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert not result.success and "identity_graph" not in published
    assert "resolved_clusters" not in published
    records, _, _ = empty_graph.execute_query("MATCH (a:Account) RETURN count(a) AS n")
    assert records[0]["n"] == 0
