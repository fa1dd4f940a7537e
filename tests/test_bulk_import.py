"""A full build through ``neo4j-admin database import`` gives exactly the graph the
transactional loader writes, keeps the run history, and leaves a manifest from which the next
run writes only the difference. Restarts the local server once."""

from __future__ import annotations

import pytest
from neo4j import Driver

from pipelines.load.assets import load_graph
from pipelines.load.bulk import BULK_SETTING, MIN_ROWS_SETTING
from pipelines.load.writer import wipe
from pipelines.paths import PipelinePaths
from pipelines.server.graph import Neo4jResource
from pipelines.server.schema import apply_schema
from tests.graphs import differences, forget_bookmarks, graph_dump
from tests.landing import account, payment, prepare

pytestmark = pytest.mark.neo4j
HISTORY = "MATCH (r:Run) OPTIONAL MATCH (r)-[:RECORDED]->(e) RETURN r.run_id AS run, count(e) AS n"


def _history(driver: Driver) -> list[tuple]:
    return sorted((r["run"], r["n"]) for r in driver.execute_query(HISTORY).records)


def _request(n: int, account_id: str, ip: str, ts: str, category: str = "coding") -> dict:
    return {"ts": ts, "account_id": account_id, "api_key_id": f"k-{account_id}",
            "source_ip": ip, "model": "m-large", "input_tokens": 100 + n,
            "output_tokens": 900 + n, "prompt_category": category, "request_id": f"r{n}"}


def awkward_world(renamed: str | None = None) -> dict:
    """Every source, with values a CSV file finds hard: commas, quotes, line breaks, other
    scripts, empty and missing lists, absent numbers, integer keys."""
    names = ["Plain Name", 'Quote "the" Name', "Comma, Name", "Line\nBreak", "李伟",
             renamed or "Ｆullwidth Ｎame", "", "Trailing Space "]
    accounts = [account(f"acc_{i}", display_name=names[i], signup_ip=f"203.0.113.{10 + i}",
                        user_agent="python-httpx/0.27.0" if i % 2 else "curl/8.1",
                        phone="+44 56 1234 5678" if i < 3 else None,
                        declared_org="Corvid Analytics" if i in (3, 4) else None,
                        email=f"user{i}@corvid-analytics.test" if i > 5 else f"u{i}@inboxly.net")
                for i in range(8)]
    accounts = [{k: v for k, v in a.items() if v is not None} for a in accounts]
    payments = [payment(f"acc_{i}", "fp_team", billing_name="Corvid Analytics Ltd",
                        billing_address="4 Mill Lane, \"Unit\" 2") for i in range(3, 6)]
    organisations = [
        {"org_id": "ORG-GB-000001", "legal_name": "Corvid Analytics Ltd",
         "aliases": "Corvid|Corvid, \"CA\"|コーヴィッド", "country": "GB",
         "website_domain": "corvid-analytics.test"},
        {"org_id": "ORG-GB-000002", "legal_name": "Rook Holdings plc", "country": "GB",
         "registration_number": "00012345"},
    ]
    ownership = [{"child_org_id": "ORG-GB-000001", "parent_org_id": "ORG-GB-000002",
                  "percentage": "75.5", "relationship": "subsidiary"},
                 {"child_org_id": "ORG-GB-000002", "parent_org_id": "ORG-GB-000001",
                  "relationship": "affiliate", "source": "registry, 2026"}]
    intel = [{"cidr": "203.0.113.0/24", "asn": "64512", "as_org": "Example Relay",
              "usage_type": "hosting", "is_hosting": "true", "is_proxy": "true",
              "is_vpn": "false", "proxy_service": "Relay One"},
             {"cidr": "198.51.100.0/24", "asn": "64513", "is_hosting": "false",
              "is_proxy": "false", "is_vpn": "false"}]
    domains = [{"domain": "corvid-analytics.test", "registrant_org": "Corvid Analytics Ltd",
                "registrant_email": "dns@corvid-analytics.test",
                "registrar": "Example Registrar Inc.", "created_at": "2026-03-30T00:00:00Z"}]
    usage = [_request(n, f"acc_{n % 4}", f"198.51.100.{n % 3}",
                      f"2026-05-0{1 + n % 2}T10:{n % 60:02d}:00.{n:06d}Z",
                      "cot_elicitation" if n % 3 else "coding") for n in range(40)]
    return {"accounts": accounts, "payment_instruments": payments,
            "organisations": organisations, "ownership": ownership, "ip_intel": intel,
            "domain_registrations": domains, "api_usage": usage}


def test_bulk_build_equals_transactional_build_and_goes_on_by_difference(
        tmp_path, empty_graph: Driver, neo4j_resource: Neo4jResource, monkeypatch) -> None:
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    prepare(paths, awkward_world())

    monkeypatch.setenv(BULK_SETTING, "off")
    transactional = load_graph(neo4j_resource, paths)
    assert transactional["method"] == "transactional" and transactional["rebuilt"]
    expected, history = graph_dump(empty_graph), _history(empty_graph)

    monkeypatch.setenv(BULK_SETTING, "auto")
    monkeypatch.setenv(MIN_ROWS_SETTING, "0")
    (paths.output("state/graph") / "token").unlink()  # the manifest no longer vouches for it
    bulk = load_graph(neo4j_resource, paths)
    forget_bookmarks(empty_graph)
    assert bulk["method"] == "bulk import" and bulk["imported"] > 0
    assert (bulk["nodes"], bulk["relationships"]) == (transactional["nodes"],
                                                      transactional["relationships"])
    assert differences(expected, graph_dump(empty_graph)) == []
    assert _history(empty_graph) == history  # the run history survived the import

    prepare(paths, awkward_world(renamed="Renamed Since The Import"))
    daily = load_graph(neo4j_resource, paths)
    written = {kind: c["written"] + c["deleted"] for kind, c in daily["changes"].items()}
    assert daily["method"] == "transactional" and not daily["rebuilt"]
    assert written["Account"] == 1, sorted(written.items())
    assert sum(written.values()) == 1, written  # the difference, not a rebuild


def test_a_database_holding_other_data_is_never_imported_over(
        tmp_path, empty_graph: Driver, neo4j_resource: Neo4jResource, monkeypatch) -> None:
    empty_graph.execute_query("CREATE (:Unrelated {note: 'not ours'})")
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    prepare(paths, {"accounts": [account("acc_0"), account("acc_1")]})
    monkeypatch.setenv(BULK_SETTING, "auto")
    monkeypatch.setenv(MIN_ROWS_SETTING, "0")
    try:
        summary = load_graph(neo4j_resource, paths)
        assert summary["method"] == "transactional"
        records = empty_graph.execute_query("MATCH (n:Unrelated) RETURN n.note AS note").records
        assert [r["note"] for r in records] == ["not ours"]
    finally:
        wipe(empty_graph, "neo4j")
        apply_schema(empty_graph, "neo4j")
