"""Formed operations that keep one schedule: one operator's fleet split between groups.

An operator may bill some of its accounts to a front company and others to a few persons'
names, with nothing else in common but the scheduler that drives them all. Each part forms an
operation of its own; what ties them is that their busy ten-minute buckets
(``attach.hot_buckets``) are the same buckets, day after day.

People keep hours too: two companies in one time zone are busy in the same hours of the day, and
a release draws everyone's traffic at once. So the overlap is judged against itself a few days
apart: two office-hours schedules overlap about as much with one of them shifted by a day as
not, while one scheduler's buckets meet only on the days it ran them. Two operations are tied
when their busy buckets in common

- are at least ``min_common`` and ``min_share`` of the smaller schedule (one part's busy times
  lie inside the other's, not a corner of them),
- are ``min_lift`` times the most they share with either one shifted by 1 to ``shift_days``
  days (not hours of the day both keep),
- and keep in step (the day's schedules share more buckets than either does with the other's
  schedule of any day 1 to ``shift_days`` days away) on at least ``min_days`` days and
  ``min_day_share`` of the days both are busy. Where the two are unrelated, the same day is the
  best of the ``2 × shift_days + 1`` alignments about one day in that many (seven), so most
  days in step do not happen by chance; a release or two that drew everyone's traffic at once
  are a few days of a schedule, not the schedule.

A schedule that repeats exactly every day is not told apart from office hours by this test,
and its parts stay apart: the test misses rather than merges.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from scipy.sparse import csr_array

from pipelines.resolve.attach import BUCKETS_PER_DAY
from pipelines.resolve.scoring import LINK_COLUMNS, typed_links
from pipelines.resolve.weights import SynchronyRules

KIND = "schedule"
BUCKET_SECONDS = 24 * 3600 // BUCKETS_PER_DAY


def _bucket_numbers(buckets: pd.Series) -> np.ndarray:
    """Each bucket's number since the epoch (its start in seconds over the bucket's length)."""
    stamps = pd.to_datetime(buckets, utc=True).dt.tz_convert(None).astype("datetime64[s]")
    return stamps.astype("int64").to_numpy() // BUCKET_SECONDS


def _schedule_matrix(rows: np.ndarray, numbers: np.ndarray, operations: int, margin: int
                     ) -> csr_array:
    """Operations × buckets (1 where the operation of ``rows`` is busy in the bucket of
    ``numbers``), the buckets numbered from ``margin`` so that a shift of up to ``margin``
    columns either way stays inside."""
    columns = numbers - numbers.min() + margin
    width = int(columns.max()) + margin + 1
    return csr_array((np.ones(len(rows), dtype=np.int32), (rows, columns)),
                     shape=(operations, width))


def _shifted(matrix: csr_array, columns: int) -> csr_array:
    coo = matrix.tocoo()
    return csr_array((coo.data, (coo.row, coo.col + columns)), shape=matrix.shape)


def _upper(product: csr_array) -> np.ndarray:
    """The pairs (i < j) of a square product as a dense array (operations are few: those with
    a schedule of their own, ``attach.min_cluster`` members or more)."""
    return np.triu(product.toarray(), k=1)


def _day_shifts(shift_days: int) -> list[int]:
    """The alignments the same-day overlap is measured against: 1 to ``shift_days`` days
    either way (the lift and the days in step must try the same ones)."""
    return [days for days in range(-shift_days, shift_days + 1) if days]


def _days_in_step(own: np.ndarray, other: np.ndarray, shift_days: int) -> tuple[int, int]:
    """Of the days both operations are busy, how many they share more buckets on than ``own``
    shares with ``other``'s schedule of any day 1 to ``shift_days`` days away: days in step,
    days both busy."""
    first = int(min(own.min(), other.min())) // BUCKETS_PER_DAY
    width = int(max(own.max(), other.max())) // BUCKETS_PER_DAY - first + 1

    def per_day(matched: np.ndarray) -> np.ndarray:
        return np.bincount(matched // BUCKETS_PER_DAY - first, minlength=width)

    common = per_day(np.intersect1d(own, other, assume_unique=True))
    shifted = np.zeros(width, dtype=np.int64)
    for days in _day_shifts(shift_days):
        moved = other + days * BUCKETS_PER_DAY
        shifted = np.maximum(shifted, per_day(np.intersect1d(own, moved, assume_unique=True)))
    both = (per_day(own) > 0) & (per_day(other) > 0)
    in_step = both & (common > shifted)
    return int(in_step.sum()), int(both.sum())


def synchronised_pairs(hot: pd.DataFrame, rules: SynchronyRules) -> pd.DataFrame:
    """Pairs of operations (``hot``: cluster_id, bucket, the busy buckets of each) that keep one
    schedule: a, b (cluster ids), common, share, lift, days (in step), of_days (both busy)."""
    columns = ["a", "b", "common", "share", "lift", "days", "of_days"]
    if hot.empty or hot["cluster_id"].nunique() < 2:
        return pd.DataFrame(columns=columns)
    margin = rules.shift_days * BUCKETS_PER_DAY
    codes, operations = pd.factorize(hot["cluster_id"], sort=True)
    numbers = _bucket_numbers(hot["bucket"])
    matrix = _schedule_matrix(codes, numbers, len(operations), margin)
    common = _upper(matrix @ matrix.T)
    shifted = np.zeros_like(common)
    for days in _day_shifts(rules.shift_days):
        moved = _shifted(matrix, days * BUCKETS_PER_DAY)
        shifted = np.maximum(shifted, _upper(matrix @ moved.T))
    busy = np.asarray(matrix.sum(axis=1)).ravel()
    smaller = np.minimum.outer(busy, busy)
    i, j = np.nonzero((common >= rules.min_common)
                      & (common >= rules.min_share * smaller)
                      & (common >= rules.min_lift * np.maximum(shifted, 1)))
    if len(i) == 0:
        return pd.DataFrame(columns=columns)
    own = {code: np.unique(values) for code, values in pd.Series(numbers).groupby(codes)}
    steps = np.array([_days_in_step(own[x], own[y], rules.shift_days)
                      for x, y in zip(i, j, strict=True)]).reshape(-1, 2)
    pairs = pd.DataFrame({"a": operations[i], "b": operations[j], "common": common[i, j],
                          "share": common[i, j] / smaller[i, j],
                          "lift": common[i, j] / np.maximum(shifted[i, j], 1),
                          "days": steps[:, 0], "of_days": steps[:, 1]})
    # In step on most of the days both are busy: a release or two everyone answered is a few
    # days of a schedule, not the schedule.
    kept = (pairs["days"] >= rules.min_days) & (pairs["days"] >= rules.min_day_share
                                                 * pairs["of_days"])
    return pairs[kept].reset_index(drop=True)


def synchronised_operation_links(operations: pd.DataFrame, hot: pd.DataFrame,
                                 rules: SynchronyRules) -> pd.DataFrame:
    """For each pair of operations (``operations``: account_id, cluster_id, the operations'
    members) that keeps one schedule, a link from every member of the smaller one to the
    larger one's id (an anchor account): the tie is the whole part's, not one account's."""
    pairs = synchronised_pairs(hot, rules)
    if pairs.empty:
        return typed_links()
    sizes = operations.groupby("cluster_id").size()
    members = operations.groupby("cluster_id")["account_id"]
    rows = []
    for pair in pairs.itertuples():
        small, large = sorted((pair.a, pair.b), key=lambda op: (sizes[op], op))
        evidence = json.dumps([{"kind": KIND, "value": large, "operation": small,
                                "accounts": int(sizes[small]), "common": int(pair.common),
                                "share": round(float(pair.share), 3),
                                "lift": round(float(pair.lift), 2), "days": int(pair.days),
                                "of_days": int(pair.of_days),
                                "weight": rules.weight}])
        for account in members.get_group(small):
            rows.append((*sorted((account, large)), rules.weight, KIND, evidence))
    return typed_links(pd.DataFrame(rows, columns=LINK_COLUMNS))
