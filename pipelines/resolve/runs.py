"""Runs of equal labels in an array sorted by label: per-group work done on contiguous slices
instead of a Python call per group (hundreds of thousands of groups at scale); and labels as
integer codes, so tens of millions of rows are counted without their ids as Python strings."""

from __future__ import annotations

import numpy as np
import pandas as pd


def run_bounds(sorted_labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal labels starts, and where it ends (exclusive); non-empty input."""
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    return starts, np.r_[starts[1:], len(sorted_labels)]


def label_codes(labels: pd.Series, min_rows: int = 1
                ) -> tuple[np.ndarray, pd.Index, np.ndarray, np.ndarray]:
    """Each row's label as a code into its sorted distinct labels (a missing label: -1), straight
    from the column (Arrow strings stay Arrow strings); the rows of each code; and which rows
    carry a label of at least ``min_rows`` rows (never a missing one)."""
    codes, uniques = pd.factorize(labels, sort=True)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    kept = (codes >= 0) & (counts[np.maximum(codes, 0)] >= min_rows)
    return codes, uniques, counts, kept


def group_of_codes(labels: pd.Index, members: pd.Series, groups: np.ndarray) -> np.ndarray:
    """For each of ``labels`` (the distinct values behind a column's codes), the group code of
    the member it names (``members`` with their ``groups`` codes), -1 for one in no group: a
    column of tens of millions of codes then takes its rows' groups as ``result[codes]``."""
    group = np.full(len(labels), -1, dtype="int32")
    where = labels.get_indexer(members)
    group[where[where >= 0]] = groups[where >= 0]
    return group


def pair_keys(left: np.ndarray, right: np.ndarray, right_count: int) -> np.ndarray:
    """Two code columns as one 64-bit key, ``left * right_count + right``: unique pairs and
    their counts by ``np.unique``, split again by ``np.divmod(keys, right_count)``."""
    return left.astype("int64") * right_count + right
