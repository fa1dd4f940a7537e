"""Apply the graph schema (constraints and indexes kept as Cypher files in schemas/graph)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from neo4j import Driver

from pipelines.dagster_meta import DATA_ENGINEERING, Step
from pipelines.server.graph import Neo4jResource
from pipelines.settings import PROJECT_ROOT

GRAPH_SCHEMA_DIR = PROJECT_ROOT / "schemas" / "graph"
LINE_COMMENT = re.compile(r"^\s*//.*$", re.MULTILINE)
SHOW_CONSTRAINTS = "SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties RETURN *"
SHOW_INDEXES = (
    "SHOW INDEXES YIELD name, type, labelsOrTypes, properties, state, owningConstraint "
    "WHERE owningConstraint IS NULL AND type <> 'LOOKUP' RETURN name, type, labelsOrTypes, "
    "properties, state"
)


def schema_statements(directory: Path = GRAPH_SCHEMA_DIR) -> list[str]:
    """Every statement of every ``*.cypher`` file, in file-name order, comments removed."""
    statements: list[str] = []
    for path in sorted(directory.glob("*.cypher")):
        body = LINE_COMMENT.sub("", path.read_text(encoding="utf-8"))
        statements.extend(s.strip() for s in body.split(";") if s.strip())
    return statements


@dataclass(frozen=True)
class SchemaState:
    constraints: list[dict]
    indexes: list[dict]


def apply_schema(driver: Driver, database: str) -> SchemaState:
    """Run each ``IF NOT EXISTS`` statement, wait for indexes to come online, report the state."""
    for statement in schema_statements():
        driver.execute_query(statement, database_=database)
    driver.execute_query("CALL db.awaitIndexes(300)", database_=database)
    return read_schema(driver, database)


def read_schema(driver: Driver, database: str) -> SchemaState:
    constraints, _, _ = driver.execute_query(SHOW_CONSTRAINTS, database_=database)
    indexes, _, _ = driver.execute_query(SHOW_INDEXES, database_=database)
    return SchemaState(
        constraints=sorted((r.data() for r in constraints), key=lambda r: r["name"]),
        indexes=sorted((r.data() for r in indexes), key=lambda r: r["name"]),
    )


STEP = Step("load", DATA_ENGINEERING, ("pipelines/server/schema.py", "schemas/graph"))


@dg.asset(group_name="graph", **STEP.asset_args("neo4j", "cypher"),
          description="Constraints and indexes from schemas/graph/*.cypher.")
def graph_schema(neo4j: Neo4jResource) -> dg.MaterializeResult:
    with neo4j.driver() as driver:
        state = apply_schema(driver, neo4j.database)
    return dg.MaterializeResult(
        metadata={
            "constraints": len(state.constraints),
            "indexes": len(state.indexes),
            "constraint_names": dg.MetadataValue.json([c["name"] for c in state.constraints]),
            "index_names": dg.MetadataValue.json([i["name"] for i in state.indexes]),
        }
    )
