"""Loading into the real Neo4j is idempotent; cluster ids are stable and their history kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j import Driver

from pipelines.load.assets import load_graph
from pipelines.load.writer import wipe
from pipelines.paths import PipelinePaths
from pipelines.server.graph import Neo4jResource
from tests.graphs import differences, graph_dump
from tests.landing import account, cluster_of, payment, prepare, run_pipeline, write_landing


def small_world(extra: int = 0) -> dict:
    """Two groups of three: a shared phone, and a team sharing one card and billing identity."""
    accounts = [account(f"acc_{i}", phone="+44 56 1234 5678" if i < 3 else None)
                for i in range(6 + extra)]
    payments = [payment(f"acc_{i}", "fp_team", billing_name="Corvid Analytics Ltd",
                        billing_address="4 Mill Lane") for i in range(3, 6 + extra)]
    payments += [payment(f"acc_{i}", f"fp_{i}") for i in range(3)]
    return {"accounts": accounts, "payment_instruments": payments}


def _written(load: dict) -> int:
    return sum(c["written"] + c["deleted"] for c in load["changes"].values())


@pytest.mark.neo4j
def test_loading_the_same_input_twice_writes_nothing_the_second_time(
    tmp_path: Path, empty_graph: Driver, neo4j_resource: Neo4jResource
) -> None:
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    prepare(paths, small_world())
    first = load_graph(neo4j_resource, paths)
    state = graph_dump(empty_graph)
    second = load_graph(neo4j_resource, paths)
    assert first["rebuilt"] and not second["rebuilt"]
    assert _written(first) > 0 and _written(second) == 0
    assert (first["nodes"], first["relationships"]) == (second["nodes"], second["relationships"])
    assert graph_dump(empty_graph) == state
    records, _, _ = empty_graph.execute_query(
        "MATCH (a:Account)-[:IN_CLUSTER]->(c:Cluster) RETURN c.cluster_id AS id, count(a) AS n "
        "ORDER BY n")
    assert [r["n"] for r in records] == [3, 3]
    records, _, _ = empty_graph.execute_query(
        "MATCH (:Account)-[l:LINKED_TO]->(:Account) RETURN l.evidence AS e LIMIT 1")
    assert "phone" in records[0]["e"] or "payment" in records[0]["e"]


def _clean_load(tmp_path: Path, world: dict, driver: Driver, neo4j_resource) -> dict:
    paths = PipelinePaths(landing_dir=str(tmp_path / "clean-landing"),
                          work_dir=str(tmp_path / "clean-work"))
    wipe(driver, "neo4j")
    prepare(paths, world)
    load_graph(neo4j_resource, paths)
    return graph_dump(driver, name_clusters_by_members=True)


@pytest.mark.neo4j
@pytest.mark.parametrize("change", ["grow", "shrink", "reassign"])
def test_a_changed_input_updates_only_the_difference_and_matches_a_clean_load(
    tmp_path: Path, empty_graph: Driver, neo4j_resource: Neo4jResource, change: str
) -> None:
    before, after = small_world(), {
        "grow": small_world(extra=2), "shrink": _shrunk(small_world()),
        "reassign": _reassigned(small_world())}[change]
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    prepare(paths, before)
    full = load_graph(neo4j_resource, paths)
    prepare(paths, after)
    update = load_graph(neo4j_resource, paths)
    assert not update["rebuilt"] and 0 < _written(update) < _written(full)
    incremental = graph_dump(empty_graph, name_clusters_by_members=True)
    assert differences(incremental, _clean_load(tmp_path, after, empty_graph,
                                                neo4j_resource)) == []


def _shrunk(world: dict) -> dict:
    """acc_5 closed: its account, card link and cluster membership must all go."""
    return {"accounts": [a for a in world["accounts"] if a["account_id"] != "acc_5"],
            "payment_instruments": [p for p in world["payment_instruments"]
                                    if p["account_id"] != "acc_5"]}


def _reassigned(world: dict) -> dict:
    """acc_0 loses its phone (a property and a relationship disappear) and changes tier."""
    world["accounts"][0] = {**world["accounts"][0], "phone": None, "tier": "pro"}
    return world


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
