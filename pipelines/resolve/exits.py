"""Accounts that send their traffic through an operation's exits and keep its schedule.

An operation that routes its accounts through a proxy reseller shares the reseller's exit
addresses with the reseller's legitimate customers, so an exit alone says nothing about who is
behind an account, however many campaign accounts use it. Its schedule alone says little more:
people in one time zone keep office hours together. Together they are another matter. An
account whose requests go almost all (``min_share``) through exits where one operation's
members are most of the users, *and* whose activity falls in that operation's busy buckets far
more often than chance allows (a binomial tail at the operation's hot density, at most
``max_p`` divided by the number of accounts, and ``min_lift`` times that density) is run with
the operation: a reseller's customer has the exits without the schedule, an office worker the
hours without the exits.

This reads the usage exits (``normalised/usage_account_ips``), which nothing else in resolution
reads: an operation that keeps each mailbox and card to a handful of accounts and mixes other
traffic into its schedule still cannot hide where its requests come from and when.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from scipy.stats import binom

from pipelines.columns import among
from pipelines.resolve.attach import Schedule, hot_buckets
from pipelines.resolve.runs import group_of_codes, pair_keys
from pipelines.resolve.scoring import typed_links
from pipelines.resolve.weights import ExitRules

KIND = "exits_and_schedule"


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """A text column as integer codes and the values they stand for (a categorical's own)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories
    codes, values = pd.factorize(column)
    return codes, pd.Index(values)


class ExitUse:
    """The usage exits as integer codes (tens of millions of rows at the seed preset: labelled,
    counted and summed as arrays, never as text), with each row's operation (-1 outside)."""

    def __init__(self, usage_ips: pd.DataFrame, operations: pd.DataFrame) -> None:
        self.ip, self.ips = _codes(usage_ips["source_ip"])
        self.account, self.accounts = _codes(usage_ips["account_id"])
        self.requests = usage_ips["requests"].to_numpy()
        operation, self.anchors = pd.factorize(operations["anchor"])
        self.operation = group_of_codes(self.accounts, operations["account_id"],
                                        operation)[self.account]


def held_exits(use: ExitUse, min_members: int) -> pd.DataFrame:
    """Each exit address most of whose accounts are members of one operation, with at least
    ``min_members`` of them: source_ip, anchor, members, accounts (rows of ``use``: one per
    account and address)."""
    users = np.bincount(use.ip, minlength=len(use.ips))
    placed = use.operation >= 0
    pairs, members = np.unique(pair_keys(use.ip[placed], use.operation[placed],
                                         len(use.anchors)), return_counts=True)
    ip, operation = np.divmod(pairs, len(use.anchors))
    keep = (members * 2 > users[ip]) & (members >= min_members)
    return pd.DataFrame({"source_ip": use.ips[ip[keep]].astype(str),
                         "anchor": use.anchors[operation[keep]].astype(str),
                         "members": members[keep], "accounts": users[ip[keep]]})


def exit_shares(use: ExitUse, held: pd.DataFrame) -> pd.DataFrame:
    """For each account outside the operations that sent requests through an operation's held
    exits: account_id, anchor, exits (how many), exit_share (of all its requests)."""
    holder = np.full(len(use.ips), -1, dtype="int32")
    holder[use.ips.get_indexer(held["source_ip"])] = use.anchors.get_indexer(held["anchor"])
    outside = use.operation < 0
    through = np.flatnonzero(outside & (holder[use.ip] >= 0))
    totals = np.bincount(use.account[outside], weights=use.requests[outside],
                         minlength=len(use.accounts))
    pairs, position = np.unique(pair_keys(use.account[through], holder[use.ip[through]],
                                          len(use.anchors)), return_inverse=True)
    account, operation = np.divmod(pairs, len(use.anchors))
    requests = np.bincount(position, weights=use.requests[through], minlength=len(pairs))
    return pd.DataFrame({"account_id": use.accounts[account].astype(str),
                         "anchor": use.anchors[operation].astype(str),
                         "exits": np.bincount(position, minlength=len(pairs)),
                         "exit_share": requests / np.maximum(totals[account], 1)})


def schedule_fit(candidates: pd.DataFrame, buckets: pd.DataFrame, schedule: Schedule
                 ) -> pd.DataFrame:
    """``candidates`` (account_id, anchor) with the account's active buckets (total), how many
    fall in the operation's hot buckets (inside; ``schedule``: the operations' ``hot_buckets``
    by anchor), the operation's hot density, and the binomial tail of that many at that
    density (log10_p)."""
    hot, density = schedule
    rows = buckets[among(buckets["account_id"], candidates["account_id"])][["account_id",
                                                                            "bucket"]]
    totals = rows.groupby("account_id", observed=True).size()
    inside = rows.merge(candidates[["account_id", "anchor"]], on="account_id").merge(
        hot.rename(columns={"cluster_id": "anchor"}), on=["anchor", "bucket"]
    ).groupby(["account_id", "anchor"], observed=True).size().rename("inside")
    fit = candidates.join(inside, on=["account_id", "anchor"])
    fit["inside"] = fit["inside"].fillna(0).astype("int64")
    fit["total"] = fit["account_id"].map(totals).fillna(0).astype("int64")
    # An operation with no hot bucket has no schedule to keep: density 1, nothing is unlikely.
    density = fit["anchor"].map(density).astype("float64")
    fit["density"] = density.where(density > 0, 1.0).clip(upper=1.0)
    tail = binom.logsf(fit["inside"] - 1, fit["total"], fit["density"])
    fit["log10_p"] = np.where(fit["inside"] > 0, tail / math.log(10), 0.0)
    return fit


def exit_schedule_links(usage_ips: pd.DataFrame, buckets: pd.DataFrame,
                        operations: pd.DataFrame, accounts: int, rules: ExitRules,
                        min_operation: int, schedule: Schedule | None = None) -> pd.DataFrame:
    """Links (operation anchor, account) for accounts outside the operations of at least
    ``min_operation`` accounts (``operations``: account_id, anchor, size) that run through
    one's exits and keep its schedule (module docstring); ``accounts`` is the population the
    chance is corrected for; ``schedule``: the operations' ``hot_buckets`` (by anchor) when the
    caller has them already."""
    operations = operations[operations["size"].astype("int64") >= min_operation]
    if operations.empty or usage_ips.empty or buckets.empty:
        return typed_links()
    use = ExitUse(usage_ips, operations)
    shares = exit_shares(use, held_exits(use, rules.min_members))
    shares = shares[shares["exit_share"] >= rules.min_share]
    if shares.empty:
        return typed_links()
    schedule = schedule or hot_buckets(operations.assign(cluster_id=operations["anchor"]),
                                       buckets, min_operation)
    fit = schedule_fit(shares, buckets, schedule)
    fit["lift"] = fit["inside"] / fit["total"].clip(lower=1) / fit["density"]
    max_log10_p = math.log10(rules.max_p / max(accounts, 1))
    fit = fit[(fit["lift"] >= rules.min_lift) & (fit["log10_p"] <= max_log10_p)]
    sizes = operations.drop_duplicates("anchor").set_index("anchor")["size"]
    evidence = [json.dumps([{
        "kind": KIND, "value": anchor, "accounts": int(sizes[anchor]), "exits": int(exits),
        "exit_share": round(float(share), 2), "schedule_share": round(inside / max(total, 1), 2),
        "lift": round(float(lf), 1), "log10_p": round(float(p), 1), "weight": rules.weight}])
        for anchor, exits, share, inside, total, lf, p in zip(
            fit["anchor"], fit["exits"], fit["exit_share"], fit["inside"], fit["total"],
            fit["lift"], fit["log10_p"], strict=True)]
    links = pd.DataFrame({"a": fit["anchor"].astype(str), "b": fit["account_id"].astype(str),
                          "score": rules.weight, "kinds": KIND, "evidence": evidence})
    return typed_links(links.reset_index(drop=True))
