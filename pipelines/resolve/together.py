"""Two operations tied by weak values they hold together.

A user agent or a prepaid card BIN is weak evidence alone: thousands run one browser, and a card
programme's BIN is on many cards. An operation's own client build or its own batch of prepaid
cards is another matter when the accounts behind it look like one operator (coherence at least
``gate_high``, the value itself left out). An operator that bills its cards to different staff
splits into several operations at campaign level, each formed around one cardholder, while its
client builds and its card BINs run across all of them.

Two formed operations (more than a piece's accounts each) are tied when, for each of two kinds or
more, some coherent value of that kind has most of its accounts in formed operations and at
least ``min_group`` of them in each of the two (fewer cannot show an operator's habit): one
shared browser is a coincidence; the same coherent client and the same coherent card batch, both
an operation's and both run in each of the two, is one operator (weak alone, strong together).
An operator split in several parts ties each part that runs its client and cards to the others.
Each account of the smaller operation that carries one of those values is linked to the larger
one's anchor, so the tie is as many links as there are such accounts, never one doubtful link
between two groups.

Pieces (small groups and loose accounts) are not judged here: ``bursts.agent_links`` places them
on a client and their profile.
"""

from __future__ import annotations

import json

import pandas as pd

from pipelines.resolve.pieces import MAX_PIECE
from pipelines.resolve.scoring import LINK_COLUMNS, typed_links

MIN_KINDS = 2  # values of two kinds at least: a client and a card batch, not one alone
KEYS = ["kind", "value"]


def weak_carriers(identifiers: pd.DataFrame, traits: pd.DataFrame) -> pd.DataFrame:
    """The accounts carrying each coherent weak value (``traits``: kind, value) as identifier
    rows; they do not change while operations grow, so they are taken once."""
    return identifiers.merge(traits[KEYS], on=KEYS)


def _held(carried: pd.DataFrame, units: pd.DataFrame, min_group: int) -> pd.DataFrame:
    """Per coherent weak value (``carried``: its accounts, of ``weak_carriers``) most of whose
    accounts are in formed operations, and per such operation holding at least ``min_group``
    of them: kind, value, anchor, size (the operation's), held, carriers (the value's
    accounts)."""
    carriers = carried.groupby(KEYS).size().rename("carriers")
    placed = carried.merge(units[["account_id", "anchor", "size"]], on="account_id")
    placed = placed[placed["size"].astype("int64") > MAX_PIECE]
    held = placed.groupby([*KEYS, "anchor", "size"]).size().rename("held").reset_index()
    held = held.join(carriers, on=KEYS)
    in_operations = held.groupby(KEYS)["held"].transform("sum")
    return held[(in_operations * 2 > held["carriers"]) & (held["held"] >= min_group)]


def tied_operations(carried: pd.DataFrame, units: pd.DataFrame, min_group: int
                    ) -> pd.DataFrame:
    """Pairs of formed operations in ``units`` (account_id, anchor, size) tied by values of at
    least ``MIN_KINDS`` kinds that both run (``_held``): larger, smaller (anchors), kind, value,
    carriers (one row per tying value)."""
    held = _held(carried, units, min_group)
    pairs = held.merge(held, on=[*KEYS, "carriers"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["anchor_a"] < pairs["anchor_b"]]
    kinds = pairs.groupby(["anchor_a", "anchor_b"])["kind"].transform("nunique")
    pairs = pairs[kinds >= MIN_KINDS]
    a_larger = (pairs["size_a"] > pairs["size_b"]) | (
        (pairs["size_a"] == pairs["size_b"]) & (pairs["anchor_a"] < pairs["anchor_b"]))
    return pd.DataFrame({
        "larger": pairs["anchor_a"].where(a_larger, pairs["anchor_b"]).to_numpy(),
        "smaller": pairs["anchor_b"].where(a_larger, pairs["anchor_a"]).to_numpy(),
        "smaller_size": pairs["size_b"].where(a_larger, pairs["size_a"]).to_numpy(),
        "kind": pairs["kind"].to_numpy(), "value": pairs["value"].to_numpy(),
        "carriers": pairs["carriers"].to_numpy()})


def weak_together_links(carried: pd.DataFrame, units: pd.DataFrame, min_group: int,
                        threshold: float) -> pd.DataFrame:
    """Links (at ``threshold``) from each account of the smaller of two tied operations that
    carries a tying value (``carried``, of ``weak_carriers``) to the larger one's anchor; the
    evidence names every tying value."""
    tied = tied_operations(carried, units, min_group)
    if tied.empty:
        return typed_links()
    values = {pair: [f"{k}={v} ({n} accounts)" for k, v, n in
                     zip(rows["kind"], rows["value"], rows["carriers"], strict=True)]
              for pair, rows in tied.groupby(["larger", "smaller"])}
    members = units[["account_id", "anchor"]].rename(columns={"anchor": "smaller"})
    carriers = carried.merge(members, on="account_id").merge(
        tied[["larger", "smaller", "smaller_size", *KEYS]], on=["smaller", *KEYS])
    carriers = carriers.drop_duplicates(["account_id", "larger"])
    rows = []
    for account, larger, smaller, size in zip(carriers["account_id"], carriers["larger"],
                                              carriers["smaller"], carriers["smaller_size"],
                                              strict=True):
        evidence = json.dumps([{"kind": "weak_together", "value": larger,
                                "values": values[(larger, smaller)], "accounts": int(size),
                                "weight": threshold}], ensure_ascii=False)
        rows.append((*sorted((account, larger)), threshold, "weak_together", evidence))
    return typed_links(pd.DataFrame(rows, columns=LINK_COLUMNS))
