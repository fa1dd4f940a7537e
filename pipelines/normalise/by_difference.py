"""Normalised rows by difference. The accounts and payment instruments exports are dropped whole
every day and differ from yesterday's by a few thousand rows; normalising them (phone numbers,
mail addresses, address keys) is per row, each output row a function of its own input row
alone. So a row whose cells are exactly those of a row the last run normalised gets that output
row back, and only the others are normalised.

The memo is the last run's normalised table keyed by a hash of each row's cells (where the row
stood in its file, ``_file`` and ``_line``, is left out of the key and taken from today's row):
it holds nothing the normalised table does not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.ingest.memo import code_version, read_versioned, write_versioned

# Tables whose normaliser makes one output row per input row from that row's cells alone.
ROW_WISE = ("accounts", "payment_instruments")
PLACE = ["_file", "_line"]  # where the row stood in today's file: never remembered
KEY = "_key"
ORDER_META = "attrib_columns"
CODE = ("pipelines/normalise", "schemas/reference")


def row_keys(frame: pd.DataFrame) -> np.ndarray:
    """Each row's cells (its place left out) as a 64-bit hash (pandas' fixed hash key)."""
    cells = frame.drop(columns=PLACE, errors="ignore")
    return pd.util.hash_pandas_object(cells, index=False).to_numpy()


def normaliser_version(table: str, frame: pd.DataFrame) -> str:
    return code_version(f"{table}|{','.join(frame.columns)}", CODE)


def _remembered(path: Path, version: str, keys: np.ndarray
                ) -> tuple[pd.DataFrame, list[str]] | None:
    """The last run's output rows whose key is among today's (indexed by key), and the order
    of the output's columns."""
    table = read_versioned(path, version)
    if table is None or KEY not in table.column_names:
        return None
    wanted = table.filter(pc.is_in(table[KEY], value_set=pa.array(keys, pa.uint64())))
    order = json.loads(table.schema.metadata[ORDER_META.encode()])
    return _strings_as_objects(wanted.to_pandas()).set_index(KEY), order


def _strings_as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as the normalisers make them: Python strings and None (pandas reads
    Parquet text as its own string dtype)."""
    for column in frame.columns[frame.dtypes.map(pd.api.types.is_string_dtype)]:
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def _combined(frame: pd.DataFrame, keys: np.ndarray, kept: pd.DataFrame, order: list[str],
              normalise: Callable[[pd.DataFrame], pd.DataFrame]) -> pd.DataFrame:
    """Remembered rows (their place from today's frame) and today's new rows, in today's order
    and with the dtypes the normaliser gives."""
    hit = np.isin(keys, kept.index.to_numpy())
    old = kept.loc[keys[hit]].set_axis(frame.index[hit])
    for column in PLACE:
        if column in frame:
            old[column] = frame.loc[hit, column]
    if hit.all():
        return old[order]
    fresh = normalise(frame[~hit])
    old = old[fresh.columns].astype(fresh.dtypes.to_dict())
    return pd.concat([old, fresh]).loc[frame.index]


def _write_memo(path: Path, out: pd.DataFrame, keys: np.ndarray, version: str) -> None:
    """Today's output rows by key, and the order of the output's columns, for the next run."""
    rows = out.drop(columns=PLACE, errors="ignore").assign(**{KEY: keys})
    table = pa.Table.from_pandas(rows.drop_duplicates(KEY), preserve_index=False)
    write_versioned(path, table, version,
                    **{ORDER_META: json.dumps(list(out.columns)).encode()})


def normalised_by_difference(table: str, frame: pd.DataFrame,
                             normalise: Callable[[pd.DataFrame], pd.DataFrame], memo: Path
                             ) -> tuple[pd.DataFrame, int]:
    """``normalise(frame)``, with the rows the last run normalised read from ``memo``; then
    ``memo`` holds today's rows. Returns the output and how many rows were read back."""
    keys = row_keys(frame)
    version = normaliser_version(table, frame)
    remembered = _remembered(memo, version, keys)
    if remembered is None or remembered[0].empty:
        out, reused = normalise(frame), 0
    else:
        kept, order = remembered
        out = _combined(frame, keys, kept, order, normalise)
        reused = int(np.isin(keys, kept.index.to_numpy()).sum())
    _write_memo(memo, out, keys, version)
    return out, reused
