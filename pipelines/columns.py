"""Column operations that pandas makes slow on Arrow-backed text, done through Arrow instead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _is_text(array: pa.Array) -> bool:
    return pa.types.is_string(array.type) or pa.types.is_large_string(array.type)


def _as_objects(keys: pd.Series | pd.Index | set | list) -> np.ndarray:
    return np.asarray(list(keys) if isinstance(keys, set) else keys, dtype=object)


def among(column: pd.Series | pd.Index, keys: pd.Series | pd.Index | set | list) -> np.ndarray:
    """``column.isin(keys)`` as a numpy mask. For text through Arrow's hash set: pandas first
    turns every key into a pyarrow scalar in Python, about 5 s for a million account ids, on
    every call. A categorical column is matched on its categories; anything else (numbers,
    mixed objects) goes to pandas as before."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = np.asarray(column.cat.codes if isinstance(column, pd.Series) else column.codes)
        found = among(column.dtype.categories, keys)
        missing = bool(pd.isna(_as_objects(keys)).any())  # any missing key matches a missing value
        return np.where(codes >= 0, found[np.maximum(codes, 0)], missing)
    try:
        values = pa.array(np.asarray(column, dtype=object) if column.dtype == object else column,
                          from_pandas=True)
        universe = pa.array(_as_objects(keys), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # mixed objects: pandas decides
        return np.asarray(pd.Series(column).isin(keys), dtype=bool)
    if not (_is_text(values) and (_is_text(universe) or pa.types.is_null(universe.type))):
        return np.asarray(pd.Series(column).isin(keys), dtype=bool)
    # A missing value matches a missing key, as in pandas.
    found = pc.is_in(values.cast(pa.large_string()), value_set=universe.cast(pa.large_string()))
    return found.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
