"""History survives faults and runs never overlap, with real processes on the real Neo4j: a run
killed while it writes the graph leaves the cluster state untouched, is marked failed when the
next run finds it dead, and its cluster events reach the graph on the re-run; a second run
started while another holds the work folder is refused and changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from neo4j import Driver

from pipelines.operate.runlock import holder_of
from pipelines.operate.runner import install_instance_config, run_main_job
from pipelines.paths import PipelinePaths
from pipelines.server.graph import Neo4jResource
from pipelines.settings import PROJECT_ROOT
from tests.faults import watch_child
from tests.landing import account, payment
from tests.mini_world import mini_world, usage_rows, write_mini_world

pytestmark = pytest.mark.neo4j


def run_child(paths: PipelinePaths, home: Path, at_line: str,
              action: Callable[[subprocess.Popen], None]) -> tuple[int, bool]:
    """`python -m pipelines.operate.runner` in a child process recorded in DAGSTER_HOME ``home``;
    ``action`` is called when its log shows ``at_line``."""
    child = subprocess.Popen(
        [sys.executable, "-m", "pipelines.operate.runner"], cwd=PROJECT_ROOT, text=True,
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "DAGSTER_HOME": str(home),
             "ATTRIB_LANDING_DIR": paths.landing_dir, "ATTRIB_WORK_DIR": paths.work_dir})
    return watch_child(child, at_line, action, 600)


def grown_world() -> dict[str, list[dict]]:
    """The operator adds two accounts on the same card: its cluster grows."""
    world = mini_world()
    new = ["acc_op_8", "acc_op_9"]
    world["accounts"] += [account(a, email=f"{a}@qinglan-data.test", declared_org="Qinglan Data")
                          for a in new]
    world["payment_instruments"] += [payment(a, "fp_shared_card_0001", bin="411111",
                                             last4="1111") for a in new]
    world["api_usage"] += usage_rows(new)
    return world


def events_of(driver: Driver, run_id: str) -> list[str]:
    records = driver.execute_query(
        "MATCH (:Run {run_id: $run})-[:RECORDED]->(e:ClusterEvent) RETURN e.event AS event",
        run=run_id).records
    return sorted(r["event"] for r in records)


def snapshot_id(paths: PipelinePaths) -> str:
    from pipelines.snapshot import snapshot
    return snapshot(paths.landing)["run_id"]


def test_a_run_killed_during_the_load_keeps_its_history(
    tmp_path: Path, empty_graph: Driver, neo4j_resource: Neo4jResource
) -> None:
    home = install_instance_config(tmp_path / "dagster_home")
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    write_mini_world(paths.landing)
    first, _ = run_main_job(paths=paths, instance=dg.DagsterInstance.ephemeral(),
                            neo4j=neo4j_resource)
    assert first.success
    state = paths.output("state/cluster_assignments.parquet")
    before = pd.read_parquet(state)

    write_mini_world(paths.landing, **grown_world())
    grown = snapshot_id(paths)
    status, reached = run_child(paths, home, "  IN_PREFIX:", lambda child: child.kill())
    assert reached and status == -signal.SIGKILL
    assert pd.read_parquet(state).equals(before)  # the state did not move ahead of the graph
    assert events_of(empty_graph, grown) == []  # killed before its events were written
    instance = dg.DagsterInstance.from_config(str(home))  # where the killed run is recorded
    killed = instance.get_runs(limit=1)[0]
    assert killed.status == dg.DagsterRunStatus.STARTED  # what a SIGKILL leaves behind

    result, _ = run_main_job(paths=paths, instance=instance, neo4j=neo4j_resource)
    assert result.success
    assert events_of(empty_graph, grown) == ["grew"]  # the killed run's history, kept
    assert len(pd.read_parquet(state)) == len(before) + 2
    assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE


def test_a_second_run_is_refused_while_the_first_holds_the_work_folder(
    tmp_path: Path, empty_graph: Driver, neo4j_resource: Neo4jResource
) -> None:
    home = install_instance_config(tmp_path / "dagster_home")
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    write_mini_world(paths.landing)
    second: dict[str, object] = {}

    def run_second_while_first_is_paused(first: subprocess.Popen) -> None:
        os.kill(first.pid, signal.SIGSTOP)  # resolved, not yet loading: the lock is held
        try:
            second["holder"] = holder_of(paths.work)
            result, _ = run_main_job(paths=paths, instance=dg.DagsterInstance.ephemeral(),
                                     neo4j=neo4j_resource)
            second["result"] = result
        finally:
            os.kill(first.pid, signal.SIGCONT)

    status, reached = run_child(paths, home, "clusters; largest",
                                run_second_while_first_is_paused)
    assert reached and status == 0  # the first run went on and finished
    result = second["result"]
    assert not result.success
    errors = [str(e.step_failure_data.error.cause) for e in result.all_events
              if e.is_step_failure and e.step_key.startswith("ingested_")]
    assert errors and all("is in use by run" in e for e in errors)
    assert second["holder"].run_id in errors[0]
    ran = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"}
    assert not ran & {"resolved_clusters", "identity_graph", "campaign_attribution"}
    accounts = empty_graph.execute_query("MATCH (a:Account) RETURN count(a) AS n").records
    assert accounts[0]["n"] == 6  # the first run's graph, whole


def test_the_shipped_instance_runs_one_run_at_a_time_and_watches_them(tmp_path: Path) -> None:
    instance = dg.DagsterInstance.from_config(str(install_instance_config(tmp_path / "home")))
    assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 1
    assert instance.run_monitoring_enabled
    assert oct((tmp_path / "home").stat().st_mode & 0o777) == "0o700"
