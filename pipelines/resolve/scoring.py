"""One score per pair: the noisy-OR of its evidence (each piece an independent chance that the
two accounts are one operator), with the evidence kept as JSON for explanations.

At the seed preset the evidence is tens of millions of rows; grouping them and writing each
pair's JSON happens in DuckDB (bounded memory, spilling to disk), not in Python lists."""

from __future__ import annotations

import tempfile
from json.encoder import encode_basestring
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.normalise.sql import connect

EVIDENCE_COLUMNS = ["a", "b", "kind", "value", "accounts", "weight", "coherence"]
LINK_COLUMNS = ["a", "b", "score", "kinds", "evidence"]
LINK_TYPES = {"a": "str", "b": "str", "score": "float64", "kinds": "str", "evidence": "str"}

# A float as Python's json.dumps writes it: DuckDB's shortest round-trip text is Python's repr.
_JSON_NUMBER = """CREATE MACRO json_number(x) AS CASE
    WHEN isnan(x) THEN 'NaN' WHEN isinf(x) AND x > 0 THEN 'Infinity'
    WHEN isinf(x) THEN '-Infinity' ELSE CAST(x AS VARCHAR) END"""

# Each pair's evidence strongest first (ties in the order given), each piece character for
# character what json.dumps(item, ensure_ascii=False) writes; kinds sorted.
_SCORE_PAIRS = """
SELECT e.a, e.b, fsum(e.miss) AS miss,
       string_agg(e.kind, ',' ORDER BY e.kind) AS kinds,
       '[' || string_agg(
           '{"kind": ' || k.text || ', "value": ' || v.text || ', "accounts": ' || e.accounts
           || ', "weight": ' || json_number(e.weight)
           || CASE WHEN e.coherence > 0 THEN ', "coherence": ' || json_number(e.coherence)
                   ELSE '' END || '}',
           ', ' ORDER BY e.weight DESC, e.position) || ']' AS evidence
FROM evidence e JOIN kind_text k ON k.code = e.kind_code JOIN value_text v ON v.code = e.value_code
WHERE hash(e.a) % $parts = $part
GROUP BY e.a, e.b
"""
# An ordered aggregate does not spill: the pairs are grouped a slice of accounts at a time
# (about this many evidence rows each), each slice written out, and the whole sorted at the end.
ROWS_PER_SLICE = 1_000_000


def empty_evidence() -> pd.DataFrame:
    return pd.DataFrame(columns=EVIDENCE_COLUMNS)


def _json_texts(values: pd.Series) -> tuple[np.ndarray, pd.DataFrame]:
    """Codes per row, and each distinct value once as a JSON string (Python's own encoder:
    a value is repeated on every pair that shares it)."""
    codes, uniques = pd.factorize(values)
    return codes, pd.DataFrame({"code": np.arange(len(uniques)),
                                "text": [encode_basestring(u) for u in uniques]})


def _write_pairs(table: pd.DataFrame, kinds: pd.DataFrame, values: pd.DataFrame,
                 folder: Path) -> list[Path]:
    """Each pair's score and JSON, grouped in DuckDB a slice of accounts at a time, one Parquet
    file per slice."""
    files = []
    with connect(folder) as db:
        db.execute(_JSON_NUMBER)
        db.register("evidence", table)
        db.register("kind_text", kinds)
        db.register("value_text", values)
        parts = -(-len(table) // ROWS_PER_SLICE)
        for part in range(parts):
            files.append(folder / f"{part}.parquet")
            db.execute(f"COPY ({_SCORE_PAIRS}) TO '{files[-1]}'", {"parts": parts, "part": part})
    return files


def typed_links(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Links with one set of column types wherever they are made (Arrow strings, a float
    score): concatenated with a table of object columns, even an empty one, the millions of
    scored links would all become Python objects (gigabytes at a million accounts)."""
    frame = pd.DataFrame(columns=LINK_COLUMNS) if frame is None else frame[LINK_COLUMNS]
    return frame.astype(LINK_TYPES)


def score_links(evidence: pd.DataFrame) -> pd.DataFrame:
    """One row per pair, sorted by pair: noisy-OR score over its evidence, kinds, and the
    evidence as JSON."""
    if evidence.empty:
        return typed_links()
    weight = evidence["weight"].astype("float64")
    evidence, weight = evidence[weight > 0], weight[weight > 0].to_numpy()
    if evidence.empty:
        return typed_links()
    kind_codes, kinds = _json_texts(evidence["kind"].astype(str))
    value_codes, values = _json_texts(evidence["value"].astype(str))
    # Pandas columns as they are (Arrow strings), not NumPy arrays of Python strings.
    table = evidence[["a", "b", "kind"]].astype(str).reset_index(drop=True).assign(
        kind_code=kind_codes, value_code=value_codes,
        accounts=evidence["accounts"].astype("int64").to_numpy(), weight=weight,
        coherence=evidence["coherence"].astype("float64").fillna(0.0).to_numpy(),
        miss=np.log1p(-np.minimum(weight, 0.999)), position=np.arange(len(evidence)))
    del evidence
    with tempfile.TemporaryDirectory(prefix="scoring-") as spill:
        files = _write_pairs(table, kinds, values, Path(spill))
        del table, kinds, values
        # Read back a part at a time and sorted in pandas: DuckDB's sort and its result set
        # beside the pandas copy held the links three times over (+8.9 GB for 10M links).
        links = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    links = links.sort_values(["a", "b"], ignore_index=True)
    links["score"] = (1 - np.exp(links.pop("miss").to_numpy())).round(4)
    return links[LINK_COLUMNS]
