"""The explanation command and the query library, on a small loaded graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j import Driver

from pipelines.explain import explain, render
from pipelines.graph import Neo4jResource
from pipelines.load.assets import load_graph
from pipelines.paths import PipelinePaths
from pipelines.queries import QUERY_DIR, parse_query
from tests.landing import account, payment, prepare

pytestmark = pytest.mark.neo4j


@pytest.fixture
def loaded(tmp_path: Path, empty_graph: Driver, neo4j_resource: Neo4jResource) -> PipelinePaths:
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    accounts = [account(f"acc_{i}") for i in range(4)] + [account("acc_lone")]
    payments = [payment("acc_0", "fp_a"), payment("acc_1", "fp_a"), payment("acc_1", "fp_b"),
                payment("acc_2", "fp_b"), payment("acc_3", "fp_z")]
    judgement = {"left_ref": "account:acc_3", "right_ref": "account:acc_2",
                 "verdict": "different", "analyst": "analyst.k",
                 "decided_at": "2026-06-10T12:00:00Z"}
    payments.append(payment("acc_2", "fp_z"))
    prepare(paths, {"accounts": accounts, "payment_instruments": payments,
                    "analyst_judgements": [judgement]})
    load_graph(neo4j_resource, paths)
    return paths


def test_why_two_accounts_are_together(loaded, neo4j_resource) -> None:
    result = explain(neo4j_resource, loaded, "acc_0", "acc_2")
    assert result.together
    assert [len(s["evidence"]) for s in result.steps] == [1, 1]
    assert {e["kind"] for s in result.steps for e in s["evidence"]} == {"payment"}
    assert "SAME CLUSTER, linked in 2 step(s)" in render(result)


def test_why_not_names_the_judgement_and_the_shared_card(loaded, neo4j_resource) -> None:
    result = explain(neo4j_resource, loaded, "acc_2", "acc_3")
    assert not result.together
    assert result.judgement.startswith("different")
    assert result.pair_score is not None and result.pair_score >= 0.75
    text = render(result)
    assert "NOT IN ONE CLUSTER" in text and "fp_z" in text


def test_unrelated_accounts_have_no_candidate_link(loaded, neo4j_resource) -> None:
    assert "no candidate link" in render(explain(neo4j_resource, loaded, "acc_0", "acc_lone"))


def test_every_library_query_has_a_header_and_parses(driver: Driver) -> None:
    queries = [parse_query(p) for p in sorted(QUERY_DIR.glob("*.cypher"))]
    assert queries and len({q.name for q in queries}) == len(queries)
    for query in queries:
        assert query.name == query.path.stem
        driver.execute_query("EXPLAIN " + query.text, account_a="x", account_b="y")
