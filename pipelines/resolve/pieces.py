"""Operator-level evidence between pieces of an operation rather than between accounts.

A piece is a group of accounts already known to be one operation (a campaign found so far),
keyed by its anchor account; a loose account is a piece of its own. What any account of a piece
carries, the piece carries: a piece that shares a declared front through one account and a
billing name through another is judged on both. An operation kept in pieces of two or three
accounts, each carrying a different few of the operator's names, is joined piece by piece
though no two of its accounts share enough. Only small pieces join this way, each to the one
group it shares most with: two operations already formed are never merged on what they carry
as wholes, nor through a piece that shares common names with both.
"""

from __future__ import annotations

import pandas as pd

from pipelines.resolve.blocking import pairs_within
from pipelines.resolve.evidence import shared_evidence
from pipelines.resolve.scoring import score_links, typed_links

# Only a piece this small joins through what its accounts share between them: the more names
# and fronts two groups each carry, the likelier two of them coincide (two operations drawing
# common names), so groups larger than this join only through what single accounts share.
MAX_PIECE = 10
# Two pieces sharing two billing names or two declared fronts (each a value few accounts carry)
# share more than one coincidence; a third of the same kind adds little that is independent.
VALUES_PER_KIND = 2


def piece_of(accounts: pd.Series, units: pd.DataFrame) -> pd.Series:
    """Each account's piece: the anchor of its unit in ``units``, or the account itself when
    it is loose."""
    anchor = accounts.map(units.set_index("account_id")["anchor"])
    return anchor.where(anchor.notna(), accounts)


def piece_identifiers(identifiers: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """``identifiers`` (account_id, kind, value) restated per piece: account_id becomes the
    anchor of the account's unit in ``units`` (account_id, anchor)."""
    pieces = identifiers.assign(account_id=piece_of(identifiers["account_id"], units))
    return pieces.drop_duplicates(["account_id", "kind", "value"]).reset_index(drop=True)


def _sizes(units: pd.DataFrame, anchors: pd.Series) -> pd.Series:
    return anchors.map(units.groupby("anchor").size()).fillna(1).astype("int64")


def _best_partner(links: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Each small piece keeps its one strongest link (the larger partner on a tie), and none
    when it reaches two formed operations: a piece is placed in one operation, never a bridge
    between two that share common names."""
    a_size, b_size = _sizes(units, links["a"]), _sizes(units, links["b"])
    a_small = (a_size < b_size) | ((a_size == b_size) & (links["a"] < links["b"]))
    frame = links.assign(piece=links["a"].where(a_small, links["b"]),
                         partner_size=b_size.where(a_small, a_size),
                         score=links["score"].astype("float64"))
    frame = frame[_sizes(units, frame["piece"]) <= MAX_PIECE]
    # A piece that reaches two formed operations is ambiguous: it stays where it is.
    operations = frame[frame["partner_size"] > MAX_PIECE].groupby("piece").size()
    frame = frame[~frame["piece"].isin(operations[operations > 1].index)]
    frame = frame.sort_values(["piece", "score", "partner_size"], ascending=[True, False, False],
                              kind="stable")
    return typed_links(frame.drop_duplicates("piece").reset_index(drop=True))


def _exclusive(evidence: pd.DataFrame, identifiers: pd.DataFrame, units: pd.DataFrame
               ) -> pd.DataFrame:
    """Each value's weight times the share of its carriers that are not in a third formed
    operation: a name two groups carry and another operation too ties neither pair in
    particular (loose accounts and other pieces carrying it may be the same operation's)."""
    if evidence.empty:
        return evidence
    keys = ["kind", "value"]
    carried = identifiers.merge(evidence[keys].drop_duplicates(), on=keys)
    carried = carried.assign(unit=piece_of(carried["account_id"], units))
    large = carried[_sizes(units, carried["unit"]).to_numpy() > MAX_PIECE]
    in_units = large.groupby([*keys, "unit"]).size()
    frame = evidence[[*keys, "a", "b"]].join(carried.groupby(keys).size().rename("total"),
                                             on=keys)
    frame = frame.join(large.groupby(keys).size().rename("in_large"), on=keys)
    for side in ("a", "b"):
        frame = frame.join(in_units.rename(f"in_{side}"), on=[*keys, side])
    counts = frame[["in_large", "in_a", "in_b"]].fillna(0)
    elsewhere = counts["in_large"] - counts["in_a"] - counts["in_b"]
    share = 1 - elsewhere / frame["total"]
    return evidence.assign(weight=(evidence["weight"].astype("float64") * share).round(4))


def piece_links(identifiers: pd.DataFrame, units: pd.DataFrame, operator: pd.DataFrame,
                identity: pd.DataFrame, limit: int, threshold: float) -> pd.DataFrame:
    """For each small piece, its link to the group it shares most with (``operator`` kinds, up
    to two values a kind, and ``identity`` kinds), when that reaches ``threshold``; anchor to
    anchor."""
    pieces = piece_identifiers(identifiers, units)
    pairs = pairs_within(pieces, operator, limit)
    pairs = pairs[pd.concat([_sizes(units, pairs["a"]), _sizes(units, pairs["b"])],
                            axis=1).min(axis=1) <= MAX_PIECE]
    evidence = pd.concat([
        shared_evidence(pairs, pieces, operator, VALUES_PER_KIND),
        shared_evidence(pairs, pieces, identity),
    ], ignore_index=True)
    links = score_links(_exclusive(evidence, identifiers, units))
    links = links[links["score"].astype("float64") >= threshold]
    return _best_partner(links, units) if len(links) else typed_links(links)


def one_operation_each(links: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """``links`` (of every kind one growth round found) without those of each small piece that
    reaches two formed operations: by whichever route, a piece is placed in one operation, never
    a bridge between two (as ``_best_partner`` rules within one route). Two operations tied only
    through a piece that shares common names with one and a sign-up block with the other are
    two operations. The piece stays where it is (a later round, the campaigns grown, may find
    it reaching one operation only)."""
    if links.empty:
        return links
    ends = [piece_of(links[side].astype(object), units) for side in ("a", "b")]
    sizes = [_sizes(units, end) for end in ends]
    a_small = (sizes[0] <= MAX_PIECE) & (sizes[1] > MAX_PIECE)
    b_small = (sizes[1] <= MAX_PIECE) & (sizes[0] > MAX_PIECE)
    reach = pd.DataFrame({"piece": pd.concat([ends[0][a_small], ends[1][b_small]]),
                          "operation": pd.concat([ends[1][a_small], ends[0][b_small]])})
    operations = reach.groupby("piece")["operation"].nunique()
    ambiguous = reach.index[reach["piece"].isin(operations[operations > 1].index)]
    return links.drop(index=ambiguous)

