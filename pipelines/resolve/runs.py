"""Runs of equal labels in an array sorted by label: per-group work done on contiguous slices
instead of a Python call per group (hundreds of thousands of groups at scale)."""

from __future__ import annotations

import numpy as np


def run_bounds(sorted_labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal labels starts, and where it ends (exclusive); non-empty input."""
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    return starts, np.r_[starts[1:], len(sorted_labels)]
