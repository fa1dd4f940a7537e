"""Accounts run through an operation's exits and on its schedule join it; a proxy reseller's
legitimate customers (the exits without the schedule), office workers in the operation's time
zone (the schedule without the exits) and accounts behind a campus NAT the operation also uses
(an exit it does not hold) do not. Hand-built tables: no pipeline run, no database."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipelines.resolve.exits import KIND, ExitUse, exit_schedule_links, held_exits
from pipelines.resolve.weights import DEFAULT_WEIGHTS

SEED = 20261203
DAYS = 20
OPERATION = 40
RULES = DEFAULT_WEIGHTS.exits
DAY0 = pd.Timestamp("2026-05-01", tz="UTC")
RESELLER_EXITS = [f"198.51.100.{i}" for i in range(1, 9)]
CAMPUS = "203.0.113.250"


def _slot(day: int, slot: int) -> pd.Timestamp:
    return DAY0 + pd.Timedelta(days=day) + pd.Timedelta(minutes=10 * slot)


class World:
    """An operation on a fixed schedule through a reseller's exits, and the accounts around it."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.schedule = sorted(rng.choice(144, size=6, replace=False))  # its busy slots a day
        self.ips: list[tuple[str, str, int]] = []
        self.buckets: list[tuple[str, pd.Timestamp]] = []

    def account(self, account: str, exits: list[str], scheduled: float, slots: list[int],
                per_day: int = 3) -> None:
        """``scheduled`` of its active buckets in the operation's slots, the rest in ``slots``."""
        for ip in exits:
            self.ips.append((account, ip, int(self.rng.integers(1, 20))))
        for day in range(DAYS):
            for _ in range(per_day):
                pool = self.schedule if self.rng.random() < scheduled else slots
                self.buckets.append((account, _slot(day, int(self.rng.choice(pool)))))

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        ips = pd.DataFrame(self.ips, columns=["account_id", "source_ip", "requests"])
        ips = ips.groupby(["account_id", "source_ip"], as_index=False)["requests"].sum()
        buckets = pd.DataFrame(self.buckets, columns=["account_id", "bucket"]).drop_duplicates()
        return ips, buckets


def _world(seed: int) -> tuple[World, pd.DataFrame]:
    world = World(np.random.default_rng(seed))
    rng = world.rng
    other = [s for s in range(144) if s not in world.schedule]
    for i in range(OPERATION):
        world.account(f"op{i:03d}", list(rng.choice(RESELLER_EXITS, 4, replace=False)), 1.0,
                      other)
    operations = pd.DataFrame({"account_id": [f"op{i:03d}" for i in range(OPERATION)],
                               "anchor": "op000", "size": OPERATION})
    # The operation's own loose accounts: half their activity elsewhere, still its exits.
    for i in range(6):
        world.account(f"hidden{i}", list(rng.choice(RESELLER_EXITS, 5, replace=False)), 0.5,
                      list(rng.choice(other, 10, replace=False)))
    # The reseller's legitimate customers: the same exits, their own hours.
    for i in range(8):
        world.account(f"customer{i}", list(rng.choice(RESELLER_EXITS, 3, replace=False)), 0.0,
                      list(rng.choice(other, 12, replace=False)), per_day=4)
    # Office workers: the operation's hours (and others), mostly their own company's address
    # (a few requests through the reseller from home).
    for i in range(8):
        world.account(f"office{i}", [f"192.0.2.{i}"], 0.6, list(rng.choice(other, 6)))
        world.ips += [(f"office{i}", f"192.0.2.{i}", 60), (f"office{i}", RESELLER_EXITS[i], 2)]
    # A campus NAT the operation's members also pass through: most of its users are students.
    for i in range(60):
        world.account(f"student{i:02d}", [CAMPUS], 0.0, list(rng.choice(other, 20)), per_day=1)
    for i in range(10):
        world.ips.append((f"op{i:03d}", CAMPUS, 1))
    world.account("student_on_schedule", [CAMPUS], 0.7, other)
    return world, operations


@pytest.mark.parametrize("seed", [SEED, SEED + 1, SEED + 2])
def test_exits_and_schedule_together_tie_an_account_to_its_operation(seed: int) -> None:
    print(f"seed {seed}")
    world, operations = _world(seed)
    ips, buckets = world.tables()
    accounts = ips["account_id"].nunique()
    links = exit_schedule_links(ips, buckets, operations, accounts, RULES, min_operation=10)
    joined = set(links["b"])
    assert joined == {f"hidden{i}" for i in range(6)}, sorted(joined)
    assert set(links["a"]) == {"op000"}
    evidence = json.loads(links["evidence"].iloc[0])[0]
    assert evidence["kind"] == KIND and evidence["exit_share"] >= RULES.min_share
    assert evidence["lift"] >= RULES.min_lift and evidence["accounts"] == OPERATION


def test_an_exit_is_held_only_where_the_operation_is_most_of_its_users() -> None:
    world, operations = _world(SEED)
    ips, _ = world.tables()
    held = held_exits(ExitUse(ips, operations), RULES.min_members)
    assert set(held["source_ip"]) <= set(RESELLER_EXITS) and CAMPUS not in set(held["source_ip"])
    assert (held["members"] * 2 > held["accounts"]).all()


def test_no_operation_or_no_usage_links_nothing() -> None:
    world, operations = _world(SEED)
    ips, buckets = world.tables()
    small = operations.assign(size=5)
    for args in ((ips, buckets, small), (ips.head(0), buckets, operations),
                 (ips, buckets.head(0), operations)):
        assert exit_schedule_links(*args, 1000, RULES, min_operation=10).empty


def test_candidates_none_of_which_keeps_the_schedule_link_nothing() -> None:
    # The reseller's customers alone: exits held by the operation, hours their own (an empty
    # selection once made the evidence read rows that were not there).
    world, operations = _world(SEED)
    ips, buckets = world.tables()
    quiet = ~ips["account_id"].str.startswith(("hidden", "office"))
    links = exit_schedule_links(ips[quiet], buckets, operations, 1000, RULES, min_operation=10)
    assert links.empty
