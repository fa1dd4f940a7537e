"""The explanation command and the query library, on small loaded graphs: explanations, hubs
hidden unless asked for, and every library query's header."""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j import Driver

from pipelines.investigate.explain import explain, render
from pipelines.investigate.queries import (
    QUERY_DIR,
    bind_parameters,
    library,
    parse_query,
    run_read_only,
)
from pipelines.investigate.specificity import hub_limit
from pipelines.load.assets import load_graph
from pipelines.paths import PipelinePaths
from pipelines.server.graph import Neo4jResource
from tests.landing import account, payment, prepare
from tests.small_graph import HUB_ACCOUNTS, load_hub_world

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


EXAMPLES = {"string": "x", "integer": 5, "float": 0.5, "boolean": False, "list": [], "map": {}}


def test_every_library_query_has_a_header_and_parses(driver: Driver) -> None:
    queries = library()
    assert queries and len({q.name for q in queries}) == len(queries)
    for query in queries:
        assert query.name == query.path.stem and query.category and query.answers
        given = {p.name: EXAMPLES.get(p.type, "x") for p in query.parameters if p.required}
        driver.execute_query("EXPLAIN " + query.text, bind_parameters(query, given))


@pytest.fixture
def hubs(tmp_path: Path, empty_graph: Driver, neo4j_resource: Neo4jResource,
         neo4j_settings) -> PipelinePaths:
    return load_hub_world(tmp_path, empty_graph, neo4j_resource, neo4j_settings.database)


def _shared(driver: Driver, **given) -> list[dict]:
    return run_read_only(driver, "neo4j", parse_query(QUERY_DIR / "shared_identifiers.cypher"),
                         {"account_a": "acc_h00", "account_b": "acc_h01", **given})


def test_hubs_are_hidden_unless_asked_for(hubs, driver: Driver, neo4j_resource) -> None:
    rows = _shared(driver)
    shown = [r for r in rows if r["hub"] is not None]
    assert {r["kind"] for r in shown} >= {"PaymentInstrument"}
    for row in shown:  # every identifier shown is within its label's hub threshold
        assert row["accounts_sharing"] <= hub_limit(row["kind"]), row
        assert row["weight"] > 0 and row["source_a"] and row["source_b"]
    summary = [r for r in rows if r["kind"] == "(hubs hidden)"]
    assert summary and summary[0]["accounts_sharing"] >= 1
    everything = _shared(driver, show_hubs="true")
    billing = [r for r in everything if r["kind"] == "BillingIdentity"]
    assert billing and billing[0]["hub"] and billing[0]["accounts_sharing"] == HUB_ACCOUNTS
    assert billing[0]["weight"] == 0
    text = render(explain(neo4j_resource, hubs, "acc_h00", "acc_h01"))
    assert "commonroom" not in text.casefold() and "--show-hubs lists them" in text
    shown_text = render(explain(neo4j_resource, hubs, "acc_h00", "acc_h01", show_hubs=True))
    assert "commonroom" in shown_text.casefold()
    assert f"shared by {HUB_ACCOUNTS} accounts, weight 0.00" in shown_text


# Two clusters hand-built: CL-big's accounts share proxy exits, a sign-up address, a phone and a
# mail domain with CL-small's one account. ``spread`` exits more on one big account make
# reading the big side's addresses dearer than following the small side's back to their users.
SHARED_INFRASTRUCTURE_GRAPH = """
CREATE (big:Cluster {cluster_id: 'CL-big'}), (small:Cluster {cluster_id: 'CL-small'}),
       (exit:IPAddress {address: '198.51.100.7', usage_type: 'proxy', accounts_sharing: 4}),
       (signup:IPAddress {address: '198.51.100.9', usage_type: 'isp', accounts_sharing: 2}),
       (phone:Phone {e164: '+6531432325', accounts_sharing: 2}),
       (domain:Domain {name: 'quillon-data.example', accounts_sharing: 2}),
       (b1:Account {account_id: 'b1'})-[:IN_CLUSTER]->(big),
       (b2:Account {account_id: 'b2'})-[:IN_CLUSTER]->(big),
       (b3:Account {account_id: 'b3'})-[:IN_CLUSTER]->(big),
       (s1:Account {account_id: 's1'})-[:IN_CLUSTER]->(small),
       (b1)-[:USED_IP]->(exit), (b2)-[:USED_IP]->(exit), (b3)-[:USED_IP]->(exit),
       (s1)-[:USED_IP]->(exit), (b1)-[:SIGNED_UP_FROM]->(signup), (s1)-[:USED_IP]->(signup),
       (b2)-[:HAS_PHONE]->(phone), (s1)-[:HAS_PHONE]->(phone),
       (b3)-[:HAS_EMAIL]->(:Email {address: 'ops@quillon-data.example'})-[:AT_DOMAIN]->(domain),
       (s1)-[:HAS_EMAIL]->(:Email {address: 'li@quillon-data.example'})-[:AT_DOMAIN]->(domain)
WITH b1 UNWIND range(1, $spread) AS n
CREATE (b1)-[:USED_IP]->(:IPAddress {address: '203.0.113.' + toString(n), accounts_sharing: 1})
"""


@pytest.mark.parametrize("spread", [0, 8])
def test_shared_infrastructure_is_the_same_whichever_cluster_comes_first(
        empty_graph: Driver, spread: int) -> None:
    empty_graph.execute_query(SHARED_INFRASTRUCTURE_GRAPH, spread=spread)
    query = parse_query(QUERY_DIR / "shared_infrastructure.cypher")

    def shared(a: str, b: str) -> dict[str, tuple[int, int]]:
        rows = run_read_only(empty_graph, "neo4j", query, bind_parameters(
            query, {"cluster_a": a, "cluster_b": b, "show_hubs": "true"}))
        assert all(r["example"] is not None for r in rows)
        return {r["value"].split(" ")[0]: (r["accounts_a"], r["accounts_b"]) for r in rows}

    expected = {"198.51.100.7": (3, 1), "198.51.100.9": (1, 1), "+6531432325": (1, 1),
                "quillon-data.example": (1, 1)}
    assert shared("CL-big", "CL-small") == expected
    assert shared("CL-small", "CL-big") == {k: (b, a) for k, (a, b) in expected.items()}
