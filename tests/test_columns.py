"""``among`` answers as pandas' ``isin`` does, whatever the column and the keys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.columns import among

TEXT = ["a", "b", None, "c", "é", ""]
CASES = [
    (pd.Series(TEXT), {"a", "c"}),
    (pd.Series(TEXT), pd.Series(["a", None, ""])),
    (pd.Series(TEXT, dtype=object), ["b", None]),
    (pd.Series(TEXT).astype("category"), pd.Series(["c", "é"])),
    (pd.Series(TEXT).astype("category"), pd.Series(["c", None])),
    (pd.Series(TEXT), set()),
    (pd.Index(["x", "y"]), pd.Series(["y"])),
    (pd.Series([1, 2, 3]), {2}),
    (pd.Series(["a", 1, None], dtype=object), ["a", 1]),
    (pd.Series(["a", "b"]), [1, "a"]),
]


@pytest.mark.parametrize(("column", "keys"), CASES)
def test_among_is_isin(column, keys) -> None:
    expected = np.asarray(pd.Series(column).isin(keys), dtype=bool)
    assert among(column, keys).tolist() == expected.tolist()
