"""Batched writes: rows from DataFrames, converted to driver-safe values, in transactions."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from neo4j import Driver

from pipelines.load.statements import (
    DELETE_NODES,
    DELETE_RELATIONSHIPS,
    NODE_STATEMENTS,
    RELATIONSHIP_STATEMENTS,
    SET_NODE_PROPERTIES,
    WIPE_NODES,
    WIPE_RELATIONSHIPS,
    node_write,
    relationship_write,
)

if TYPE_CHECKING:
    from pipelines.load.delta import Element

BATCH_SIZE = 10_000
SESSIONS_SETTING = "ATTRIB_LOAD_SESSIONS"  # parallel write sessions for the loader's elements
DEFAULT_SESSIONS = 2


def load_sessions() -> int:
    return max(1, int(os.environ.get(SESSIONS_SETTING, DEFAULT_SESSIONS)))


def plain(value: object) -> object:
    """A value the driver can send: NaN/NaT → None, numpy scalars → Python, Timestamps →
    datetimes, arrays → lists."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    return value


@dataclass
class WriteStats:
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def writes(self) -> int:
        return (sum(self.nodes.values()) + sum(self.relationships.values())
                + sum(self.deleted.values()))


class GraphWriter:
    """Sends rows in batches of ``batch_size``, one write transaction per batch."""

    def __init__(self, driver: Driver, database: str, batch_size: int = BATCH_SIZE,
                 progress: Callable[[str], None] = lambda _: None,
                 sessions: int | None = None) -> None:
        self.driver, self.database, self.batch_size = driver, database, batch_size
        self.progress = progress
        self.sessions = sessions or load_sessions()
        self.stats = WriteStats()

    def _send(self, statement: str, rows: Iterable[dict]) -> int:
        """Send ``rows`` (any iterable: a generator keeps only one batch in memory)."""
        sent, rows = 0, iter(rows)
        with self.driver.session(database=self.database) as session:
            while batch := list(islice(rows, self.batch_size)):
                session.execute_write(lambda tx, b=batch: tx.run(statement, rows=b).consume())
                sent += len(batch)
        return sent

    def _timed(self, tally: dict[str, int], kind: str, statement: str,
               rows: Iterable[dict]) -> None:
        started = time.monotonic()
        tally[kind] = tally.get(kind, 0) + self._send(statement, rows)
        self.stats.seconds += time.monotonic() - started

    def write_rows(self, statement: str, rows: Iterable[dict]) -> int:
        """Any ``UNWIND $rows`` statement, batched; the number of rows sent."""
        return self._send(statement, rows)

    def nodes(self, label: str, rows: Iterable[dict]) -> None:
        """Create or update nodes (``{key, props}`` rows)."""
        self._timed(self.stats.nodes, label, NODE_STATEMENTS[label], rows)

    def element(self, element: Element, frame: pd.DataFrame, create: bool) -> None:
        """Write rows of one of the loader's elements: CREATE when the caller knows none of
        them exists, else MERGE. With several sessions, rows are partitioned by their source
        node (by key, for nodes), so no two sessions ever lock the same source; within a
        partition they are ordered by target, so sessions that share a dense target (a proxy
        exit IP) take its lock in the same order and wait for each other rather than deadlock
        (a deadlock that still happens is retried by the driver)."""
        if frame.empty:
            return
        if element.is_node:
            statement = node_write(element.kind, element.time_props, create)
            tally, by, order = self.stats.nodes, "_key", "_key"
        else:
            statement = relationship_write(element.kind, element.time_props, create)
            tally, by, order = self.stats.relationships, "_source", "_target"
        started = time.monotonic()
        parts = _partitions(frame, by, order, self.sessions, self.batch_size)
        if len(parts) == 1:
            sent = self._send(statement, element.write_rows(parts[0]))
        else:
            with ThreadPoolExecutor(len(parts)) as pool:
                sent = sum(pool.map(lambda part: self._send(statement,
                                                            element.write_rows(part)), parts))
        tally[element.kind] = tally.get(element.kind, 0) + sent
        self.stats.seconds += time.monotonic() - started

    def node_properties(self, label: str, rows: Iterable[dict]) -> None:
        """Set properties on nodes that exist; never creates one."""
        self._timed(self.stats.nodes, label, SET_NODE_PROPERTIES[label], rows)

    def relationships(self, rel_type: str, rows: Iterable[dict]) -> None:
        """Create or update relationships (``{source, target, props}`` rows)."""
        self._timed(self.stats.relationships, rel_type, RELATIONSHIP_STATEMENTS[rel_type], rows)

    def delete_nodes(self, label: str, rows: Iterable[dict]) -> None:
        self._timed(self.stats.deleted, label, DELETE_NODES[label], rows)

    def delete_relationships(self, rel_type: str, rows: Iterable[dict]) -> None:
        self._timed(self.stats.deleted, rel_type, DELETE_RELATIONSHIPS[rel_type], rows)

    def run_auto_commit(self, statement: str, **parameters: object) -> None:
        """A statement that batches itself (``CALL {} IN TRANSACTIONS``)."""
        with self.driver.session(database=self.database) as session:
            session.run(statement, parameters).consume()

    def run(self, statement: str, **parameters: object) -> Iterable[dict]:
        records, _, _ = self.driver.execute_query(statement, parameters_=parameters,
                                                  database_=self.database)
        return [r.data() for r in records]


def _partitions(frame: pd.DataFrame, by: str, order: str, sessions: int, batch_size: int
                ) -> list[pd.DataFrame]:
    """``frame`` split by a hash of column ``by`` into at most ``sessions`` parts (one part
    when there is less than a batch for each), each sorted by ``order``."""
    count = min(sessions, max(1, len(frame) // batch_size))
    if count == 1:
        return [frame.sort_values(order, kind="stable")]
    hashed = pd.util.hash_pandas_object(frame[by].astype(str), index=False).to_numpy()
    bucket = hashed % np.uint64(count)
    return [frame[bucket == i].sort_values(order, kind="stable") for i in range(count)]


def wipe(driver: Driver, database: str) -> None:
    """Delete everything in ``database`` (tests and benchmarks; never called by the pipeline)."""
    with driver.session(database=database) as session:
        session.run(WIPE_RELATIONSHIPS).consume()
        session.run(WIPE_NODES).consume()
