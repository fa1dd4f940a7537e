"""Shared fixtures. Tests marked ``neo4j`` use the real server that ``attrib neo4j exec`` (the
README's test command) has started; no test mocks Neo4j."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from neo4j import Driver

from pipelines.load.writer import wipe
from pipelines.server.graph import Neo4jResource, open_driver
from pipelines.server.schema import apply_schema
from pipelines.settings import Neo4jSettings

WIPE_OPT_IN = "ATTRIB_TESTS_MAY_WIPE"
# A bulk rebuild restarts the server under every other test's driver: only the tests of the
# bulk import turn it on (tests/test_bulk_import.py).
os.environ.setdefault("ATTRIB_BULK_IMPORT", "off")


@pytest.fixture(scope="session")
def neo4j_settings() -> Neo4jSettings:
    settings = Neo4jSettings.from_env()
    if not settings.is_local() and os.environ.get(WIPE_OPT_IN) != "1":
        pytest.exit(
            f"Tests write to and wipe the database at {settings.uri}. Refusing a non-local "
            f"Neo4j; set {WIPE_OPT_IN}=1 if that database is disposable.",
            returncode=2,
        )
    return settings


@pytest.fixture(scope="session")
def driver(neo4j_settings: Neo4jSettings) -> Iterator[Driver]:
    # open_driver raises an actionable error (naming the start command) if nothing answers.
    drv = open_driver(neo4j_settings)
    yield drv
    drv.close()


@pytest.fixture(scope="session")
def neo4j_resource(neo4j_settings: Neo4jSettings) -> Neo4jResource:
    return Neo4jResource(
        uri=neo4j_settings.uri,
        username=neo4j_settings.username,
        password=neo4j_settings.password,
        database=neo4j_settings.database,
    )


@pytest.fixture
def empty_graph(driver: Driver, neo4j_settings: Neo4jSettings) -> Driver:
    """The test database wiped, with the schema applied."""
    wipe(driver, neo4j_settings.database)
    apply_schema(driver, neo4j_settings.database)
    return driver


CASE_WORLD_SEED = 5


@pytest.fixture(scope="session")
def attributed_world(tmp_path_factory: pytest.TempPathFactory):
    """A tiny generated world resolved, scored and attributed with plain calls (no Neo4j):
    what case reports and STIX exports read. Built once per session."""
    from tests.cases import attributed_world as build

    return build(tmp_path_factory.mktemp("attributed"), CASE_WORLD_SEED)
