"""Operator-level evidence between pieces of an operation rather than between accounts.

A piece is a group of accounts already known to be one operation (a campaign found so far,
keyed by its anchor account; a loose account is a piece of its own). What any account of a piece carries, the piece carries: a piece that shares a declared
front through one account and a billing name through another is judged on both. An operation
kept in pieces of two or three accounts, each carrying a different few of the operator's
names, is joined piece by piece though no two of its accounts share enough. Only small
pieces join this way: two operations already formed are never merged on what they carry as
wholes.
"""

from __future__ import annotations

import pandas as pd

from pipelines.resolve.blocking import pairs_within
from pipelines.resolve.evidence import shared_evidence
from pipelines.resolve.scoring import LINK_COLUMNS, score_links

# Only a piece this small joins through what its accounts share between them: the more names
# and fronts two groups each carry, the likelier two of them coincide (two operations drawing
# common names), so groups larger than this join only through what single accounts share.
MAX_PIECE = 10
# Two pieces sharing two billing names or two declared fronts (each a value few accounts carry)
# share more than one coincidence; a third of the same kind adds little that is independent.
VALUES_PER_KIND = 2


def _anchor_of(units: pd.DataFrame) -> pd.Series:
    return units.set_index("account_id")["anchor"]


def piece_identifiers(identifiers: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """``identifiers`` (account_id, kind, value) restated per piece: account_id becomes the
    anchor of the account's unit in ``units`` (account_id, anchor)."""
    anchor = _anchor_of(units)
    pieces = identifiers.assign(account_id=identifiers["account_id"].map(anchor).fillna(
        identifiers["account_id"]))
    return pieces.drop_duplicates(["account_id", "kind", "value"]).reset_index(drop=True)


def piece_links(identifiers: pd.DataFrame, units: pd.DataFrame, operator: pd.DataFrame,
                identity: pd.DataFrame, limit: int, threshold: float) -> pd.DataFrame:
    """Links between a small piece and another group whose shared values (``operator`` kinds,
    up to two values a kind, and ``identity`` kinds) reach
    ``threshold``, anchor to anchor: one tie, which clustering may still cut as the lone
    doubtful bridge between two groups of several accounts."""
    pieces = piece_identifiers(identifiers, units)
    pairs = pairs_within(pieces, operator, limit)
    size = units.groupby("anchor").size()
    smaller = pd.concat([pairs["a"].map(size), pairs["b"].map(size)], axis=1).fillna(1).min(
        axis=1)
    pairs = pairs[smaller <= MAX_PIECE]
    evidence = pd.concat([
        shared_evidence(pairs, pieces, operator, VALUES_PER_KIND),
        shared_evidence(pairs, pieces, identity),
    ], ignore_index=True)
    links = score_links(evidence)
    links = links[links["score"].astype("float64") >= threshold]
    return links[LINK_COLUMNS].reset_index(drop=True)
