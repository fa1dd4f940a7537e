"""A small piece is placed in one operation, never a bridge between two: whatever routes of
one growth round reach it (hand-built frames: no pipeline run, no database)."""

from __future__ import annotations

import pandas as pd

from pipelines.resolve.pieces import MAX_PIECE, one_operation_each
from pipelines.resolve.scoring import LINK_COLUMNS


def _units() -> pd.DataFrame:
    """Two formed operations (anchors x0000 and y0000) and two pieces of two (p0, q0)."""
    rows = [(f"x{i:04d}", "x0000") for i in range(MAX_PIECE + 5)]
    rows += [(f"y{i:04d}", "y0000") for i in range(MAX_PIECE + 20)]
    rows += [("p0", "p0"), ("p1", "p0"), ("q0", "q0"), ("q1", "q0")]
    units = pd.DataFrame(rows, columns=["account_id", "anchor"])
    return units.assign(size=units.groupby("anchor")["account_id"].transform("size"))


def _link(a: str, b: str, kind: str, score: float = 0.65) -> tuple:
    return (a, b, score, kind, "[]")


def test_a_piece_reaching_two_operations_by_two_routes_joins_neither() -> None:
    links = pd.DataFrame([
        _link("p0", "x0000", "billing_name"),  # names it shares with one operation
        _link("p1", "y0000", "network"),  # the other operation's sign-up block
        _link("q0", "x0000", "billing_name"),  # one operation, twice: placed
        _link("q1", "x0003", "network"),
        _link("x0001", "y0002", "agent"),  # two formed operations: not a piece's link
        _link("p1", "q1", "piece"),  # piece to piece: no operation reached
        _link("z0", "y0005", "burst"),  # a loose account reaching one operation
    ], columns=LINK_COLUMNS)
    kept = one_operation_each(links, _units())
    pairs = set(zip(kept["a"], kept["b"], strict=True))
    assert ("p0", "x0000") not in pairs and ("p1", "y0000") not in pairs
    assert {("q0", "x0000"), ("q1", "x0003"), ("x0001", "y0002"), ("p1", "q1"),
            ("z0", "y0005")} == pairs


def test_no_links_no_change() -> None:
    empty = pd.DataFrame(columns=LINK_COLUMNS)
    assert one_operation_each(empty, _units()).empty
