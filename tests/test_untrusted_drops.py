"""Untrusted drops through the whole main job on the real Neo4j: a truncated export, a duplicated
column, a vanished usage history and a symlink out of the landing folder each stop the run at
ingestion (or before the load writes) with a message, and the graph keeps its last good state;
card numbers in free text are redacted and their rows loaded, and no card number is left in the
graph, the work folder or the Dagster event log."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from neo4j import Driver

from pipelines.ingest.shrink import CONFIRM_FILE
from pipelines.operate.runner import run_main_job
from pipelines.paths import PipelinePaths
from pipelines.server.graph import Neo4jResource
from tests.landing import account
from tests.mini_world import mini_world, write_mini_world
from tests.pan_oracle import luhn_tokens

pytestmark = pytest.mark.neo4j
VISA = "4111111111111111"
UNIONPAY = "8171999927660000"  # Luhn-valid, UnionPay 81


def run(paths: PipelinePaths, neo4j: Neo4jResource) -> tuple[bool, str, dg.DagsterInstance]:
    instance = dg.DagsterInstance.ephemeral()
    result, _ = run_main_job(paths=paths, instance=instance, neo4j=neo4j)
    failures = [_messages(e.step_failure_data.error) for e in result.all_events
                if e.is_step_failure]
    checks = [e.asset_check_evaluation_data.description or "" for e in result.all_events
              if e.event_type_value == "ASSET_CHECK_EVALUATION"
              and not e.asset_check_evaluation_data.passed]
    return result.success, " ".join(failures + checks), instance


def _messages(error) -> str:
    """A step's error and its causes (Dagster wraps what the step raised)."""
    return "" if error is None else f"{error.message} {_messages(error.cause)}"


def graph_accounts(driver: Driver) -> int:
    return driver.execute_query("MATCH (a:Account) RETURN count(a) AS n").records[0]["n"]


def bigger_world() -> dict[str, list[dict]]:
    world = mini_world()
    world["accounts"] += [account(f"acc_more_{i}") for i in range(10)]
    return world


def test_bad_drops_stop_before_the_graph_changes(tmp_path: Path, empty_graph: Driver,
                                                 neo4j_resource: Neo4jResource) -> None:
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    write_mini_world(paths.landing, **bigger_world())
    assert run(paths, neo4j_resource)[0]
    good = graph_accounts(empty_graph)
    assert good == 16

    # The accounts export cut in half: a blocking check names the file and both counts.
    accounts = paths.landing / "accounts.csv"
    full = accounts.read_text()
    accounts.write_text("".join(full.splitlines(keepends=True)[:9]))
    ok, message, _ = run(paths, neo4j_resource)
    assert not ok and "accounts.csv shrank from 16 in the last good run to 8" in message
    assert graph_accounts(empty_graph) == good

    # A column named twice: refused at ingestion, whichever copy would have won.
    header, rest = full.split("\n", 1)
    accounts.write_text(header.replace("display_name", "email") + "\n" + rest)
    ok, message, _ = run(paths, neo4j_resource)
    assert not ok and "names email more than once" in message
    assert graph_accounts(empty_graph) == good

    # Every usage day gone: the accounts with usage shrink to none; the load writes nothing.
    accounts.write_text(full)
    shutil.move(paths.landing / "api_usage", tmp_path / "usage_kept")
    ok, message, _ = run(paths, neo4j_resource)
    assert not ok and "accounts with usage" in message and "shrank from 6" in message
    assert graph_accounts(empty_graph) == good
    shutil.move(tmp_path / "usage_kept", paths.landing / "api_usage")

    # The operator confirms a real shrink once: the run goes through and the marker is used up.
    accounts.write_text("".join(full.splitlines(keepends=True)[:9]))
    paths.output(CONFIRM_FILE).write_text("accounts\n")
    assert run(paths, neo4j_resource)[0]
    assert graph_accounts(empty_graph) == 8 and not paths.output(CONFIRM_FILE).exists()


def test_a_symlink_out_of_the_landing_folder_leaks_nothing(tmp_path: Path, empty_graph: Driver,
                                                           neo4j_resource: Neo4jResource
                                                           ) -> None:
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    write_mini_world(paths.landing)
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:MARKER-5be1c0de:/root:/bin/sh\n")
    (paths.landing / "ownership.csv").unlink()
    (paths.landing / "ownership.csv").symlink_to(secret)
    ok, message, instance = run(paths, neo4j_resource)
    assert not ok and "ownership.csv is a symbolic link" in message
    assert "MARKER" not in _everything_under(paths.work)
    assert "MARKER" not in _event_log(instance)
    assert graph_accounts(empty_graph) == 0  # nothing downstream of ingestion ran


def _everything_under(folder: Path) -> str:
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix == ".parquet":
            # Compressed, so read as a table; its text columns are what could hold a card
            # (the load manifest's 64-bit row hashes are numbers, not text).
            table = pd.read_parquet(path)
            text = table.select_dtypes(exclude=["number", "datetime", "datetimetz", "bool"])
            parts.append(text.to_json(force_ascii=False))
        elif path.is_file():
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def _event_log(instance: dg.DagsterInstance) -> str:
    """What the runs wrote into Dagster's event log: every message, every metadata value of a
    materialisation or check, every error (Dagster's own step timings are left out: they are
    floats, not text a card could hide in)."""
    texts = []
    for run in instance.get_runs():
        for entry in instance.all_logs(run.run_id):
            texts.append(entry.user_message)
            event = entry.dagster_event
            data = event.event_specific_data if event is not None else None
            materialization = getattr(data, "materialization", None)
            if materialization is not None:
                texts += [str(v.value) for v in materialization.metadata.values()]
            if event is not None and event.event_type_value == "ASSET_CHECK_EVALUATION":
                texts += [data.description or "", *(str(v.value) for v in data.metadata.values())]
            if event is not None and event.is_step_failure:
                texts.append(str(data.error))
    return "\n".join(texts)


def test_card_numbers_in_free_text_are_redacted_and_their_rows_loaded(
    tmp_path: Path, empty_graph: Driver, neo4j_resource: Neo4jResource
) -> None:
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    world = mini_world()
    fullwidth = VISA.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    planted = {
        ("accounts", 0, "display_name"): f"No. 7 {VISA[:4]} {VISA[4:8]} {VISA[8:12]} {VISA[12:]}",
        ("accounts", 1, "user_agent"): f"curl/7 {fullwidth}",
        ("accounts", 2, "declared_org"): f"Qinglan {'.'.join([UNIONPAY[:4], UNIONPAY[4:]])}",
        ("payment_instruments", 4, "billing_address"): "Rm 1203 " + "\u00a0".join(
            [VISA[:4], VISA[4:8], VISA[8:12], VISA[12:]]),
        ("organisations", 1, "legal_name"): f"Lanting {UNIONPAY} Holdings Ltd.",
    }
    for (source, index, column), text in planted.items():
        world[source][index] = {**world[source][index], column: text}
    write_mini_world(paths.landing, **world)
    ok, message, instance = run(paths, neo4j_resource)
    assert ok, message

    graph = empty_graph.execute_query(
        "MATCH (n) RETURN properties(n) AS p UNION ALL MATCH ()-[r]->() RETURN properties(r) AS p"
    ).records
    graph_text = "\n".join(str(r["p"]) for r in graph)
    assert luhn_tokens(graph_text) == []
    assert luhn_tokens(_everything_under(paths.work)) == []
    assert luhn_tokens(_event_log(instance)) == []
    assert luhn_tokens(graph_text + _everything_under(tmp_path / "landing"))  # oracle works

    loaded = empty_graph.execute_query(
        "MATCH (a:Account) WHERE a.account_id IN $ids RETURN a.display_name AS name, "
        "a.declared_org AS org", ids=["acc_op_0", "acc_op_2"]).records
    assert len(loaded) == 2
    assert {r["name"] for r in loaded} >= {"No. 7 [REDACTED-CARD-NUMBER]"}
    assert "Qinglan [REDACTED-CARD-NUMBER]" in {r["org"] for r in loaded}
    agents = empty_graph.execute_query(
        "MATCH (:Account {account_id: 'acc_op_1'})-[:USES_AGENT]->(u) RETURN u.user_agent AS ua"
    ).records
    assert agents[0]["ua"] == "curl/7 [REDACTED-CARD-NUMBER]"
    ingested = pd.read_parquet(paths.ingested("accounts"))
    noted = ingested.set_index("account_id").loc["acc_op_1", "_issues"]
    assert noted == "user_agent: card number redacted"

    # Outputs hold account ids: the work folder is this user's only, and so is every file in it.
    assert stat.S_IMODE(paths.work.stat().st_mode) == 0o700
    written = [p for p in paths.work.rglob("*") if p.is_file()]
    assert paths.output("attribution/enforcement.csv") in written
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in written)
