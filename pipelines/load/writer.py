"""Batched writes: rows from DataFrames, converted to driver-safe values, in transactions."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from neo4j import Driver

from pipelines.load.statements import (
    NODE_STATEMENTS,
    RELATIONSHIP_STATEMENTS,
    WIPE_NODES,
    WIPE_RELATIONSHIPS,
)

BATCH_SIZE = 10_000


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


def node_rows(frame: pd.DataFrame, key: str, props: list[str], **constant) -> list[dict]:
    frame = frame.dropna(subset=[key]).drop_duplicates(subset=[key])
    return [
        {"key": plain(k), "props": {**{p: plain(v) for p, v in zip(props, values, strict=True)
                                       if plain(v) is not None}, **constant}}
        for k, *values in frame[[key, *props]].itertuples(index=False, name=None)
    ]


def relationship_rows(
    frame: pd.DataFrame, start: str, end: str, props: list[str] | None = None, **constant
) -> list[dict]:
    """Rows {source, target, props} from the ``start`` and ``end`` key columns of ``frame``."""
    props = props or []
    frame = frame.dropna(subset=[start, end]).drop_duplicates(subset=[start, end])
    return [
        {"source": plain(s), "target": plain(t),
         "props": {**{p: plain(v) for p, v in zip(props, values, strict=True)
                      if plain(v) is not None}, **constant}}
        for s, t, *values in frame[[start, end, *props]].itertuples(index=False, name=None)
    ]


@dataclass
class WriteStats:
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def writes(self) -> int:
        return sum(self.nodes.values()) + sum(self.relationships.values())


class GraphWriter:
    """Sends rows in batches of ``batch_size``, one write transaction per batch."""

    def __init__(self, driver: Driver, database: str, batch_size: int = BATCH_SIZE,
                 progress: Callable[[str], None] = lambda _: None) -> None:
        self.driver, self.database, self.batch_size = driver, database, batch_size
        self.progress = progress
        self.stats = WriteStats()

    def _send(self, statement: str, rows: list[dict]) -> None:
        with self.driver.session(database=self.database) as session:
            for start in range(0, len(rows), self.batch_size):
                batch = rows[start:start + self.batch_size]
                session.execute_write(lambda tx, b=batch: tx.run(statement, rows=b).consume())

    def nodes(self, label: str, rows: list[dict]) -> None:
        started = time.monotonic()
        self._send(NODE_STATEMENTS[label], rows)
        self.stats.nodes[label] = self.stats.nodes.get(label, 0) + len(rows)
        self.stats.seconds += time.monotonic() - started
        self.progress(f"  {label}: {len(rows):,} nodes")

    def relationships(self, rel_type: str, rows: list[dict]) -> None:
        started = time.monotonic()
        self._send(RELATIONSHIP_STATEMENTS[rel_type], rows)
        self.stats.relationships[rel_type] = self.stats.relationships.get(rel_type, 0) + len(rows)
        self.stats.seconds += time.monotonic() - started
        self.progress(f"  {rel_type}: {len(rows):,} relationships")

    def run(self, statement: str, **parameters: object) -> Iterable[dict]:
        records, _, _ = self.driver.execute_query(statement, parameters_=parameters,
                                                  database_=self.database)
        return [r.data() for r in records]


def wipe(driver: Driver, database: str) -> None:
    """Delete everything in ``database`` (tests and benchmarks; never called by the pipeline)."""
    with driver.session(database=database) as session:
        session.run(WIPE_RELATIONSHIPS).consume()
        session.run(WIPE_NODES).consume()
