"""A CLI that never misleads: every user mistake gets a one-line message naming what is wrong
and a non-zero exit, never a traceback; nulls print as blanks and JSON is real nested JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from neo4j import Driver

from pipelines.cli import browser_hint, main
from pipelines.paths import PipelinePaths
from pipelines.server.graph import Neo4jResource
from pipelines.settings import Neo4jSettings
from tests.small_graph import load_hub_world

pytestmark = pytest.mark.neo4j
NOT_FOUND, USAGE = 1, 2


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, driver: Driver,
          neo4j_resource: Neo4jResource, neo4j_settings) -> PipelinePaths:
    return load_hub_world(tmp_path_factory.mktemp("cli"), driver, neo4j_resource,
                          neo4j_settings.database)


@pytest.fixture
def attrib(world: PipelinePaths, monkeypatch: pytest.MonkeyPatch, capsys):
    """Run `attrib ...` in this process: (exit code, stdout, stderr)."""
    monkeypatch.setenv("ATTRIB_LANDING_DIR", str(world.landing))
    monkeypatch.setenv("ATTRIB_WORK_DIR", str(world.work))

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        assert "Traceback" not in err and "Traceback" not in out
        return code, out, err

    return run


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_unknown_query_id_is_not_found(attrib) -> None:
    code, out, err = attrib("query", "why_linked", "-p", "account_a=acc_h00",
                            "-p", "account_b=acc_nobody")
    assert code == NOT_FOUND and out == ""
    assert one_line(err) == ("error: not found: no Account with account_id 'acc_nobody' "
                             "(parameter account_b)")


def test_explain_with_an_unknown_account_is_not_found(attrib) -> None:
    code, out, err = attrib("explain", "acc_nobody", "acc_h00")
    assert code == NOT_FOUND and out == ""
    assert one_line(err) == "error: not found: no account 'acc_nobody' in the graph"


def test_missing_parameter_names_it_and_its_type(attrib) -> None:
    code, _, err = attrib("query", "shared_identifiers", "-p", "account_a=acc_h00")
    assert code == USAGE
    assert one_line(err) == ("error: shared_identifiers needs parameter account_b (the "
                             "account_id of an existing Account): add -p account_b=...")


def test_unknown_parameter_is_refused_before_the_query_runs(attrib) -> None:
    code, _, err = attrib("query", "riskiest_clusters", "-p", "limt=5")
    assert code == USAGE
    assert one_line(err) == ("error: riskiest_clusters has no parameter limt; it takes: "
                             "limit (integer)")


@pytest.mark.parametrize(("value", "expected"), [
    ("ten", "parameter limit expects an integer (e.g. 10), got 'ten'"),
    ("2.5", "parameter limit expects an integer (e.g. 10), got '2.5'"),
])
def test_mistyped_parameter_names_the_type(attrib, value: str, expected: str) -> None:
    code, _, err = attrib("query", "riskiest_clusters", "-p", f"limit={value}")
    assert code == USAGE and one_line(err) == f"error: {expected}"


def test_mistyped_boolean(attrib) -> None:
    code, _, err = attrib("query", "shared_identifiers", "-p", "account_a=acc_h00",
                          "-p", "account_b=acc_h01", "-p", "show_hubs=yes")
    assert code == USAGE
    assert one_line(err) == ("error: parameter show_hubs expects a boolean (true or false), "
                             "got 'yes'")


def test_malformed_parameter_and_unknown_query(attrib) -> None:
    code, _, err = attrib("query", "riskiest_clusters", "-p", "limit")
    assert code == USAGE and one_line(err) == "error: parameter 'limit' is not key=value"
    code, _, err = attrib("query", "no_such_query")
    assert code == USAGE and one_line(err).startswith("error: No query named 'no_such_query'.")


def test_table_prints_nulls_as_blanks(attrib) -> None:
    code, out, _ = attrib("query", "why_linked", "-p", "account_a=acc_h00",
                          "-p", "account_b=acc_lone")
    assert code == 0
    header, _, row = out.strip().splitlines()
    cells = [c.strip() for c in row.strip("|").split("|")]
    columns = [c.strip() for c in header.strip("|").split("|")]
    assert cells[columns.index("cluster_b")] == ""  # acc_lone is in no cluster
    assert cells[columns.index("hops")] == ""
    assert "nan" not in out and "None" not in out


def test_json_is_nested_json(attrib) -> None:
    code, out, _ = attrib("query", "why_linked", "-p", "account_a=acc_h00",
                          "-p", "account_b=acc_h01", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    steps = rows[0]["steps"]
    assert isinstance(steps[0]["evidence"], list)  # not a JSON string inside JSON
    assert steps[0]["evidence"][0]["kind"] == "payment"
    assert rows[0]["chain"]["path"].startswith("Account acc_h0")


def test_list_is_grouped_by_category(attrib) -> None:
    code, out, _ = attrib("query", "--list")
    assert code == 0
    categories = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert categories == sorted(categories) and len(categories) >= 3
    assert all(c.endswith(":") for c in categories)


def test_stix_export_without_a_key_says_how_to_set_it(attrib, monkeypatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.delenv("ATTRIB_SHARING_KEY", raising=False)
    code, _, err = attrib("stix", "export", "ORG-NONE", "--out", str(tmp_path / "b.json"))
    assert code == USAGE and "ATTRIB_SHARING_KEY" in one_line(err)


def test_the_run_summary_points_at_the_browser_that_serves_the_graph(monkeypatch) -> None:
    monkeypatch.setenv("NEO4J_BOLT_PORT", "7697")
    monkeypatch.setenv("NEO4J_HTTP_PORT", "7484")
    local = Neo4jSettings(uri="bolt://127.0.0.1:7697", username="neo4j", password="x")
    assert "http://127.0.0.1:7484/browser/" in browser_hint(local)
    remote = Neo4jSettings(uri="neo4j+s://graph.example.test:7687", username="neo4j",
                           password="x")
    assert "127.0.0.1" not in browser_hint(remote)
    assert "graph.example.test" in browser_hint(remote)
