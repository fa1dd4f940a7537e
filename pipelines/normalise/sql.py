"""DuckDB for the heavy tables: one in-process connection with bounded memory that spills to the
work folder, so a table far bigger than memory is folded, joined and sorted out of core.

Memory and threads come from the environment (``ATTRIB_DUCKDB_MEMORY``, default 2GB;
``ATTRIB_DUCKDB_THREADS``, default every core), so a machine that also runs Neo4j can keep
DuckDB well inside what is left."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

DEFAULT_MEMORY = "2GB"


@contextmanager
def connect(spill: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory database whose overflow goes to ``spill`` (created, and emptied after)."""
    spill.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(config={
        "memory_limit": os.environ.get("ATTRIB_DUCKDB_MEMORY", DEFAULT_MEMORY),
        "threads": int(os.environ.get("ATTRIB_DUCKDB_THREADS", os.cpu_count() or 1)),
        "temp_directory": str(spill),
    })
    try:
        connection.execute("SET enable_progress_bar = false")
        _use_utc(connection)
        yield connection
    finally:
        connection.close()


def _use_utc(connection: duckdb.DuckDBPyConnection) -> None:
    """Day and bucket boundaries are UTC boundaries, whatever the machine's zone. The time-zone
    setting exists only where DuckDB's ICU extension is loaded; without it, everything is UTC."""
    with suppress(duckdb.Error):
        connection.execute("SET TimeZone = 'UTC'")


def write_parquet(relation: duckdb.DuckDBPyRelation, path: Path) -> None:
    """Write a query's result to ``path`` atomically (a killed run never leaves half a table)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    relation.write_parquet(str(temporary), compression="zstd")
    temporary.replace(path)
