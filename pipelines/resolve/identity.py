"""Stable cluster identities across runs, and the history of what changed.

A new cluster inherits the id of the previous cluster it shares most accounts with (each old id
goes to one successor, the one with the largest overlap); a cluster with no predecessor gets an
id derived from its smallest account id, so the same data always gives the same ids.
"""

from __future__ import annotations

import hashlib

import pandas as pd

HISTORY_COLUMNS = ["cluster_id", "event", "other_cluster_id", "accounts", "run_id"]


def fresh_id(anchor: str, prefix: str = "CL") -> str:
    return f"{prefix}-" + hashlib.sha1(anchor.encode()).hexdigest()[:10]


def assign_ids(
    clusters: pd.DataFrame, previous: pd.DataFrame, run_id: str, prefix: str = "CL"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (account_id → cluster_id, history events of this run); ids of groups with no
    predecessor start with ``prefix`` (CL for clusters, CP for campaigns)."""
    if clusters.empty:
        return clusters.assign(cluster_id=pd.Series(dtype=str)), pd.DataFrame(
            columns=HISTORY_COLUMNS)
    overlap = clusters.merge(previous[["account_id", "cluster_id"]], on="account_id")
    counts = (overlap.groupby(["anchor", "cluster_id"]).size().rename("shared").reset_index()
              .sort_values(["shared", "anchor", "cluster_id"], ascending=[False, True, True]))
    inherited: dict[str, str] = {}
    used: set[str] = set()
    for anchor, old_id in zip(counts["anchor"], counts["cluster_id"], strict=True):
        if anchor not in inherited and old_id not in used:
            inherited[anchor], _ = old_id, used.add(old_id)
    taken = set(previous["cluster_id"]) | set(inherited.values())
    ids = {}
    for anchor in clusters["anchor"].unique():
        ids[anchor] = inherited.get(anchor) or _unused(fresh_id(anchor, prefix), taken)
        taken.add(ids[anchor])
    assigned = clusters.assign(cluster_id=clusters["anchor"].map(ids))
    return assigned, _history(assigned, previous, counts, ids, run_id)


def _unused(candidate: str, taken: set[str]) -> str:
    suffix = 1
    while candidate in taken:
        candidate = f"{candidate.split('~')[0]}~{suffix}"
        suffix += 1
    return candidate


def _history(assigned, previous, counts, ids, run_id) -> pd.DataFrame:
    events = []
    sizes = assigned.groupby("cluster_id").size()
    old_sizes = previous.groupby("cluster_id").size() if not previous.empty else pd.Series()
    for cluster_id, size in sizes.items():
        if cluster_id not in old_sizes:
            events.append((cluster_id, "created", None, int(size)))
        elif size != old_sizes[cluster_id]:
            events.append((cluster_id, "grew" if size > old_sizes[cluster_id] else "shrank",
                           None, int(size)))
    counts = counts.assign(new_id=counts["anchor"].map(ids))
    for new_id, old_id, shared in zip(counts["new_id"], counts["cluster_id"], counts["shared"],
                                      strict=True):
        if new_id == old_id:
            continue
        if old_id not in set(sizes.index):
            events.append((old_id, "merged_into", new_id, int(shared)))
        else:
            events.append((new_id, "split_from", old_id, int(shared)))
    gone = set(old_sizes.index) - set(sizes.index) - set(counts["cluster_id"])
    events.extend((old_id, "dissolved", None, 0) for old_id in sorted(gone))
    frame = pd.DataFrame(events, columns=HISTORY_COLUMNS[:-1]).assign(run_id=run_id)
    return frame.sort_values(["cluster_id", "event", "other_cluster_id"]).reset_index(drop=True)
