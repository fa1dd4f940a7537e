"""The foundation against the real local Neo4j: schema, APOC, Browser, errors, Dagster."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

import dagster as dg
import pytest
from neo4j import Driver

from pipelines.errors import GraphAuthError, GraphUnavailableError
from pipelines.server.graph import open_driver
from pipelines.server.schema import apply_schema, graph_schema, read_schema, schema_statements
from pipelines.settings import Neo4jSettings, local_http_port

pytestmark = pytest.mark.neo4j


def test_every_schema_statement_is_idempotent() -> None:
    statements = schema_statements()
    assert statements, "schemas/graph holds no statements"
    assert all("IF NOT EXISTS" in s for s in statements)


def test_applying_schema_twice_leaves_the_same_constraints_and_indexes(
    driver: Driver, neo4j_settings: Neo4jSettings
) -> None:
    first = apply_schema(driver, neo4j_settings.database)
    second = apply_schema(driver, neo4j_settings.database)
    assert first == second == read_schema(driver, neo4j_settings.database)
    names = {c["name"] for c in first.constraints}
    assert {"account_id", "phone_e164", "cluster_id"} <= names
    assert all(index["state"] == "ONLINE" for index in first.indexes)


def test_apoc_answers(driver: Driver) -> None:
    records, _, _ = driver.execute_query("RETURN apoc.version() AS version")
    assert records[0]["version"].startswith("5.26")


def test_browser_is_served() -> None:
    url = f"http://127.0.0.1:{local_http_port()}/browser/"
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read().decode("utf-8", "replace")
    assert response.status == 200
    assert "<html" in body.lower() and "neo4j" in body.lower()


def test_wrong_password_names_the_variable(neo4j_settings: Neo4jSettings) -> None:
    wrong = Neo4jSettings(neo4j_settings.uri, neo4j_settings.username, "not-the-password", "neo4j")
    with pytest.raises(GraphAuthError) as info:
        open_driver(wrong)
    message = str(info.value)
    assert "NEO4J_PASSWORD" in message and "\n" not in message


def test_server_not_running_names_the_start_command() -> None:
    nowhere = Neo4jSettings("bolt://127.0.0.1:1", "neo4j", "x", "neo4j")
    with pytest.raises(GraphUnavailableError, match="attrib neo4j start"):
        open_driver(nowhere)


def test_cli_prints_one_paragraph_not_a_traceback(neo4j_settings: Neo4jSettings) -> None:
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_PASSWORD": "not-the-password"}
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "neo4j", "status"],
        capture_output=True, text=True, env={**_base_env(), **env},
    )
    assert result.returncode == 1
    assert "NEO4J_PASSWORD" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_second_start_is_a_no_op() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "neo4j", "start"],
        capture_output=True, text=True, env=_base_env(),
    )
    assert result.returncode == 0, result.stderr
    assert "already running" in result.stdout or "starting nothing" in result.stdout


def test_schema_asset_materialises_with_the_real_resource(neo4j_resource) -> None:
    result = dg.materialize([graph_schema], resources={"neo4j": neo4j_resource})
    assert result.success
    metadata = result.asset_materializations_for_node("graph_schema")[0].metadata
    assert metadata["constraints"].value >= 14


def test_definitions_load() -> None:
    from pipelines.definitions import defs

    assert defs.resolve_job_def("main") is not None
    dg.Definitions.validate_loadable(defs)


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_PASSWORD")}


def test_gds_answers_and_clusters(driver: Driver) -> None:
    records, _, _ = driver.execute_query("CALL gds.version() YIELD gdsVersion RETURN gdsVersion")
    assert records[0]["gdsVersion"].startswith("2.13")
    # A tiny projection from literal id pairs (no stored data), then weakly connected components.
    driver.execute_query("CALL gds.graph.drop('probe', false) YIELD graphName RETURN graphName")
    driver.execute_query(
        "UNWIND $edges AS e WITH gds.graph.project('probe', e[0], e[1]) AS g RETURN g.graphName",
        edges=[[1, 2], [2, 3], [4, 5]],
    )
    records, _, _ = driver.execute_query(
        "CALL gds.wcc.stream('probe') YIELD componentId "
        "RETURN count(DISTINCT componentId) AS components"
    )
    driver.execute_query("CALL gds.graph.drop('probe') YIELD graphName RETURN graphName")
    assert records[0]["components"] == 2
