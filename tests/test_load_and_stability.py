"""Loading into the real Neo4j is idempotent; cluster ids are stable and their history kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j import Driver

from pipelines.graph import Neo4jResource
from pipelines.load.assets import load_graph
from pipelines.paths import PipelinePaths
from tests.landing import account, cluster_of, payment, prepare, run_pipeline, write_landing

GRAPH_STATE = """
MATCH (n) OPTIONAL MATCH (n)-[r]->(m)
WITH n, r, m ORDER BY elementId(n)
RETURN count(DISTINCT n) AS nodes, count(r) AS relationships,
       collect(DISTINCT [labels(n), properties(n)]) AS node_props,
       collect([type(r), properties(r)]) AS rel_props
"""


def small_world(extra: int = 0) -> dict:
    """Two groups of three: a shared phone, and a team sharing one card and billing identity."""
    accounts = [account(f"acc_{i}", phone="+44 56 1234 5678" if i < 3 else None)
                for i in range(6 + extra)]
    payments = [payment(f"acc_{i}", "fp_team", billing_name="Corvid Analytics Ltd",
                        billing_address="4 Mill Lane") for i in range(3, 6 + extra)]
    payments += [payment(f"acc_{i}", f"fp_{i}") for i in range(3)]
    return {"accounts": accounts, "payment_instruments": payments}


def _state(driver: Driver) -> dict:
    records, _, _ = driver.execute_query(GRAPH_STATE)
    row = records[0].data()
    row["node_props"] = sorted(map(repr, row["node_props"]))
    row["rel_props"] = sorted(map(repr, row["rel_props"]))
    return row


@pytest.mark.neo4j
def test_loading_the_same_input_twice_leaves_the_graph_identical(
    tmp_path: Path, empty_graph: Driver, neo4j_resource: Neo4jResource
) -> None:
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    prepare(paths, small_world())
    first = load_graph(neo4j_resource, paths)
    state = _state(empty_graph)
    second = load_graph(neo4j_resource, paths)
    assert first["nodes"] == second["nodes"] > 0
    assert first["relationships"] == second["relationships"] > 0
    assert _state(empty_graph) == state
    records, _, _ = empty_graph.execute_query(
        "MATCH (a:Account)-[:IN_CLUSTER]->(c:Cluster) RETURN c.cluster_id AS id, count(a) AS n "
        "ORDER BY n")
    assert [r["n"] for r in records] == [3, 3]
    records, _, _ = empty_graph.execute_query(
        "MATCH (:Account)-[l:LINKED_TO]->(:Account) RETURN l.evidence AS e, l.run_id AS run "
        "LIMIT 1")
    assert "phone" in records[0]["e"] or "payment" in records[0]["e"]
    assert records[0]["run"] == first["run_id"]


@pytest.mark.neo4j
def test_grown_input_converges_and_stale_links_are_swept(
    tmp_path: Path, empty_graph: Driver, neo4j_resource: Neo4jResource
) -> None:
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    prepare(paths, small_world())
    load_graph(neo4j_resource, paths)
    prepare(paths, small_world(extra=2))
    grown = load_graph(neo4j_resource, paths)
    records, _, _ = empty_graph.execute_query(
        "MATCH ()-[r]->() WHERE r.run_id <> $run RETURN count(r) AS stale", run=grown["run_id"])
    assert records[0]["stale"] == 0


def test_cluster_ids_are_stable_and_history_is_recorded(tmp_path: Path) -> None:
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    write_landing(paths.landing, **small_world())
    first = run_pipeline(paths, "run-1")
    again = run_pipeline(paths, "run-2")
    assert first.clusters.equals(again.clusters)
    assert set(first.history["event"]) == {"created"} and again.history.empty
    team = cluster_of(first, "acc_3")
    write_landing(paths.landing, **small_world(extra=2))
    grown = run_pipeline(paths, "run-3")
    assert cluster_of(grown, "acc_7") == team
    assert grown.history[["cluster_id", "event"]].values.tolist() == [[team, "grew"]]


def test_a_merge_keeps_the_larger_id_and_records_the_other(tmp_path: Path) -> None:
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    world = small_world()
    write_landing(paths.landing, **world)
    first = run_pipeline(paths, "run-1")
    phone_cluster, team_cluster = cluster_of(first, "acc_0"), cluster_of(first, "acc_3")
    world["payment_instruments"].append(payment("acc_0", "fp_team"))  # bridges the two
    write_landing(paths.landing, **world)
    merged = run_pipeline(paths, "run-2")
    survivor = cluster_of(merged, "acc_0")
    assert survivor in {phone_cluster, team_cluster} and survivor == cluster_of(merged, "acc_3")
    events = set(map(tuple, merged.history[["cluster_id", "event"]].values.tolist()))
    gone = ({phone_cluster, team_cluster} - {survivor}).pop()
    assert (gone, "merged_into") in events
