"""Formed operations tied by keeping one schedule (resolve/synchrony.py): one scheduler's busy
buckets meet on the days it ran them; office hours, a schedule repeated daily, or one release
everyone answered do not tie two operations."""

import json

import numpy as np
import pandas as pd

from pipelines.resolve.synchrony import (
    KIND,
    synchronised_operation_links,
    synchronised_pairs,
)
from pipelines.resolve.weights import DEFAULT_WEIGHTS

RULES = DEFAULT_WEIGHTS.synchrony
START = pd.Timestamp("2026-03-02", tz="UTC")
DAYS = 14


def _hot(schedules: dict[str, list[pd.Timestamp]]) -> pd.DataFrame:
    return pd.DataFrame([(op, bucket) for op, buckets in schedules.items() for bucket in buckets],
                        columns=["cluster_id", "bucket"])


def _scheduler(seed: int, per_day: int = 20, days: int = DAYS) -> list[pd.Timestamp]:
    """A scheduler's busy buckets: a different random few ten-minute buckets each day."""
    rng = np.random.default_rng(seed)
    return [START + pd.Timedelta(days=day, minutes=10 * int(slot))
            for day in range(days) for slot in rng.choice(144, per_day, replace=False)]


def _office_hours(seed: int, share: float = 0.5) -> list[pd.Timestamp]:
    """A company's busy buckets: a random half of the buckets between 09:00 and 17:00."""
    rng = np.random.default_rng(seed)
    return [START + pd.Timedelta(days=day, minutes=10 * slot)
            for day in range(DAYS) for slot in range(54, 102) if rng.random() < share]


def _members(sizes: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame([(f"{op}-{i:03d}", op) for op, n in sizes.items() for i in range(n)],
                        columns=["account_id", "cluster_id"])


def test_two_parts_of_one_schedule_are_tied_member_by_member():
    fleet = _scheduler(1)
    part = fleet[::2] + fleet[1::4]  # busy in most of the fleet's buckets, never elsewhere
    hot = _hot({"op-a": fleet, "op-b": part, "other": _scheduler(2)})
    pairs = synchronised_pairs(hot, RULES)
    assert pairs[["a", "b"]].values.tolist() == [["op-a", "op-b"]]
    assert pairs["share"].iloc[0] == 1.0 and pairs["days"].iloc[0] == DAYS
    links = synchronised_operation_links(_members({"op-a": 30, "op-b": 12, "other": 20}), hot,
                                         RULES)
    assert len(links) == 12 and set(links["kinds"]) == {KIND}
    assert all("op-a" in (a, b) for a, b in zip(links["a"], links["b"], strict=True))
    evidence = json.loads(links["evidence"].iloc[0])[0]
    assert (evidence["value"], evidence["operation"], evidence["accounts"]) == ("op-a", "op-b", 12)


def test_office_hours_overlap_as_much_a_day_apart_and_tie_nobody():
    hot = _hot({"firm-a": _office_hours(3), "firm-b": _office_hours(4)})
    assert synchronised_pairs(hot, RULES).empty


def test_a_schedule_repeated_every_day_is_missed_rather_than_merged():
    one_day = _scheduler(5, days=1)
    daily = [bucket + pd.Timedelta(days=day) for day in range(DAYS) for bucket in one_day]
    assert synchronised_pairs(_hot({"op-a": daily, "op-b": daily}), RULES).empty


def test_one_release_everyone_answered_is_one_day_not_a_schedule():
    release = [START + pd.Timedelta(days=6, minutes=10 * slot) for slot in range(144)]
    hot = _hot({"op-a": release + _scheduler(6), "op-b": release + _scheduler(7)})
    assert synchronised_pairs(hot, RULES).empty


def test_a_corner_of_a_larger_schedule_is_not_the_same_schedule():
    fleet = _scheduler(8, per_day=40)
    own = _scheduler(9, per_day=40)
    hot = _hot({"op-a": fleet, "op-b": fleet[:120] + own})  # 120 shared of op-b's ~680
    assert synchronised_pairs(hot, RULES).empty


def test_no_operations_or_one_give_no_links():
    assert synchronised_pairs(_hot({}), RULES).empty
    assert synchronised_operation_links(_members({"op-a": 12}), _hot({"op-a": _scheduler(1)}),
                                        RULES).empty
