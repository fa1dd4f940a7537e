"""Access to Neo4j: a driver that turns the driver's failures into messages a user can act on,
and the Dagster resource that hands it to assets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg
from neo4j import Driver, GraphDatabase, RoutingControl
from neo4j.exceptions import AuthError, ServiceUnavailable

from pipelines.errors import GraphAuthError, GraphUnavailableError
from pipelines.settings import Neo4jSettings

START_HINT = "Start the project's local Neo4j with `attrib neo4j start` (or `make neo4j-start`)"


def unavailable_message(uri: str) -> str:
    return (
        f"No Neo4j answers at {uri}. {START_HINT}, or point NEO4J_URI at a Neo4j you already run."
    )


def auth_message(uri: str, username: str) -> str:
    return (
        f"Neo4j at {uri} refused user '{username}': the password is wrong. Set NEO4J_PASSWORD "
        "to that user's password (in the environment or in the project's .env file); for the "
        "project's own local Neo4j the password is the one generated into .env on first start."
    )


def open_driver(settings: Neo4jSettings) -> Driver:
    """Open a driver and prove that it can authenticate, or raise an actionable error."""
    # Schema-less hints ("property does not exist yet") are noise for users: notifications off.
    driver = GraphDatabase.driver(settings.uri, auth=(settings.username, settings.password),
                                  notifications_min_severity="OFF")
    try:
        driver.verify_connectivity()
    except AuthError as exc:
        driver.close()
        raise GraphAuthError(auth_message(settings.uri, settings.username)) from exc
    except (ServiceUnavailable, OSError) as exc:
        driver.close()
        raise GraphUnavailableError(unavailable_message(settings.uri)) from exc
    return driver


# Transient Bolt failures (a restart, a dropped connection) are retried; loads are idempotent,
# so a retried step converges to the same graph.
NEO4J_RETRY = dg.RetryPolicy(max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL)


class Neo4jResource(dg.ConfigurableResource):
    """The Neo4j that the pipeline reads and writes; configured from NEO4J_* variables."""

    uri: str
    username: str
    password: str
    database: str = "neo4j"

    def settings(self) -> Neo4jSettings:
        return Neo4jSettings(self.uri, self.username, self.password, self.database)

    @contextmanager
    def driver(self) -> Iterator[Driver]:
        driver = open_driver(self.settings())
        try:
            yield driver
        finally:
            driver.close()

    def read(self, query: str, **parameters: Any) -> list[dict[str, Any]]:
        """Run one parameterised read query and return its rows as dicts."""
        with self.driver() as driver:
            records, _, _ = driver.execute_query(
                query, parameters_=parameters, database_=self.database,
                routing_=RoutingControl.READ,
            )
        return [record.data() for record in records]
