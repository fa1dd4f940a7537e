"""One score per pair: the noisy-OR of its evidence (each piece an independent chance that the
two accounts are one operator), with the evidence kept as JSON for explanations."""

from __future__ import annotations

import json
import math
from json.encoder import encode_basestring

import numpy as np
import pandas as pd

from pipelines.resolve.runs import run_bounds

EVIDENCE_COLUMNS = ["a", "b", "kind", "value", "accounts", "weight", "coherence"]
LINK_COLUMNS = ["a", "b", "score", "kinds", "evidence"]


def empty_evidence() -> pd.DataFrame:
    return pd.DataFrame(columns=EVIDENCE_COLUMNS)


def _number(value: float) -> str:
    return repr(value) if math.isfinite(value) else json.dumps(value)


def _item(kind: str, value: str, accounts: int, weight: float, coherence: float) -> str:
    """One piece of evidence as JSON, character for character what ``json.dumps(item,
    ensure_ascii=False)`` writes (its string encoder, floats as repr): a dict and json.dumps per
    piece was most of scoring several million of them."""
    tail = f', "coherence": {_number(float(coherence))}' if coherence > 0 else ""
    return (f'{{"kind": {encode_basestring(kind)}, "value": {encode_basestring(value)}, '
            f'"accounts": {int(accounts)}, "weight": {_number(float(weight))}{tail}}}')


def score_links(evidence: pd.DataFrame) -> pd.DataFrame:
    """One row per pair: noisy-OR score over its evidence, kinds, and the evidence as JSON."""
    if evidence.empty:
        return pd.DataFrame(columns=LINK_COLUMNS)
    evidence = evidence.astype({"weight": "float64"})
    evidence = evidence[evidence["weight"] > 0]
    if evidence.empty:
        return pd.DataFrame(columns=LINK_COLUMNS)
    evidence = evidence.assign(coherence=evidence["coherence"].astype("float64").fillna(0.0))
    evidence = evidence.astype({"accounts": "int64", "value": str}).sort_values(
        ["a", "b", "weight"], ascending=[True, True, False])
    evidence = evidence.assign(miss=np.log1p(-evidence["weight"].clip(upper=0.999)))
    scores = 1 - np.exp(evidence.groupby(["a", "b"], sort=True)["miss"].sum())
    # Rows are sorted by pair, so each pair's evidence is one contiguous slice: its JSON and
    # kinds are joined from per-row strings in one pass (a groupby.apply is far slower).
    items = [_item(*row) for row in zip(
        evidence["kind"].tolist(), evidence["value"].tolist(), evidence["accounts"].tolist(),
        evidence["weight"].tolist(), evidence["coherence"].tolist(), strict=True)]
    pair = evidence["a"].to_numpy() + "\x1f" + evidence["b"].to_numpy()
    starts, ends = run_bounds(pair)
    kind = evidence["kind"].tolist()
    out = pd.DataFrame({
        "score": scores.round(4).to_numpy(),
        "kinds": [",".join(sorted(kind[s:e])) for s, e in zip(starts, ends, strict=True)],
        "evidence": ["[" + ", ".join(items[s:e]) + "]" for s, e in zip(starts, ends,
                                                                        strict=True)],
    }, index=scores.index)
    return out.reset_index()
