"""Second pass: attach unclustered accounts whose activity sits inside a cluster's schedule.

A campaign's scheduler fires on a narrow set of time buckets each day (its *hot* buckets). An
account that was active almost only in those buckets, day after day, is synchronised with the
cluster even when it shares no identifier with any one member, the weak tail that pairwise
evidence misses. Synchronisation alone is never enough: it needs one more piece of weak
evidence (the cluster's user agent, prepaid BIN or proxy exits) to reach the link threshold.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from pipelines.columns import among
from pipelines.resolve.runs import group_of_codes, label_codes, pair_keys
from pipelines.resolve.scoring import typed_links
from pipelines.resolve.weights import LinkWeights

BUCKETS_PER_DAY = 144
CANDIDATE_COLUMNS = ["account_id", "cluster_id", "inside", "share", "lift"]
# What ``hot_buckets`` returns: (cluster_id, bucket) rows, and each cluster's hot density.
Schedule = tuple[pd.DataFrame, pd.Series]


def hot_buckets(clusters: pd.DataFrame, buckets: pd.DataFrame, min_cluster: int):
    """Per cluster (≥ ``min_cluster`` members): the buckets where several members were active,
    and the share of the cluster's active days those buckets cover. ``buckets`` has one row
    per account and bucket."""
    big = clusters[clusters["size"].astype("int64") >= min_cluster][["account_id", "cluster_id"]]
    # Clusters, members and buckets as codes (cluster codes in the order of a groupby on their
    # ids, buckets in time order): the members' bucket rows, tens of millions at the seed
    # preset, are counted as integers.
    cluster_codes, cluster_ids, sizes, _ = label_codes(big["cluster_id"])
    member = among(buckets["account_id"], big["account_id"])
    codes, accounts = pd.factorize(buckets["account_id"][member])
    cluster = group_of_codes(accounts, big["account_id"], cluster_codes)[codes]
    active = cluster >= 0
    if not active.any():  # no cluster big enough, or none active: nothing is hot
        return (pd.DataFrame(columns=["cluster_id", "bucket"]),
                pd.Series(dtype="float64", name="hot_density"))
    bucket, times = pd.factorize(buckets["bucket"].array[member][active], sort=True)
    keys, members = np.unique(pair_keys(cluster[active], bucket, len(times)),
                              return_counts=True)
    key_cluster, key_bucket = np.divmod(keys, len(times))
    need = np.maximum((0.05 * sizes).astype("int64"), 3)[key_cluster]
    hot = members >= need
    day, days = pd.factorize(pd.DatetimeIndex(pd.to_datetime(times, utc=True)).floor("D"))
    day_count = np.bincount(np.unique(pair_keys(key_cluster, day[key_bucket], len(days)))
                            // len(days), minlength=len(cluster_ids))
    hot_count = np.bincount(key_cluster[hot], minlength=len(cluster_ids))
    seen = day_count > 0
    density = pd.Series(hot_count[seen] / (day_count[seen] * BUCKETS_PER_DAY),
                        index=cluster_ids[seen], name="hot_density").rename_axis("cluster_id")
    return (pd.DataFrame({"cluster_id": cluster_ids[key_cluster[hot]],
                          "bucket": times[key_bucket[hot]]}),
            density)


def synchronised_candidates(clusters, buckets, weights: LinkWeights,
                            schedule: Schedule | None = None) -> pd.DataFrame:
    """(account, cluster, share of the account's buckets that are hot) for loose accounts;
    ``schedule``: the clusters' ``hot_buckets`` when the caller has them already."""
    hot, density = schedule or hot_buckets(clusters, buckets, weights.attach["min_cluster"])
    if hot.empty:  # evenly spread traffic: no schedule to be synchronised with
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    # Loose accounts and clusters as sorted codes (the order of a groupby on their ids): the
    # join of tens of millions of bucket rows with the hot buckets stays two integer columns.
    loose = ~among(buckets["account_id"], clusters["account_id"])
    codes, accounts, totals, busy = label_codes(buckets["account_id"][loose],
                                                weights.coactivity["min_buckets"])
    cluster_codes, cluster_ids = pd.factorize(hot["cluster_id"], sort=True)
    rows = pd.DataFrame({"account": codes[busy],
                         "bucket": buckets["bucket"].array[loose][busy]})
    inside = rows.merge(pd.DataFrame({"cluster": cluster_codes,
                                      "bucket": hot["bucket"].array}), on="bucket"
                        ).groupby(["account", "cluster"]).size()
    if inside.empty:  # no loose account active in a hot bucket
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    account, cluster = (inside.index.get_level_values(level).to_numpy()
                        for level in ("account", "cluster"))
    frame = pd.DataFrame({"account_id": accounts[account], "cluster_id": cluster_ids[cluster],
                          "inside": inside.to_numpy()})
    frame["share"] = frame["inside"] / totals[account]
    frame["lift"] = frame["share"] / frame["cluster_id"].map(density)
    rule = weights.attach
    keep = (frame["share"] >= rule["min_share"]) & (frame["lift"] >= rule["min_lift"])
    return frame[keep]


def _shared_with_cluster(candidates, clusters, attributes: pd.DataFrame) -> pd.Series:
    """For each candidate (account, cluster): does the account share a value with the cluster?"""
    members = attributes.merge(clusters[["account_id", "cluster_id"]], on="account_id")
    cluster_values = members[["cluster_id", "value"]].drop_duplicates()
    mine = candidates[["account_id", "cluster_id"]].merge(attributes, on="account_id")
    hits = mine.merge(cluster_values, on=["cluster_id", "value"])[["account_id", "cluster_id"]]
    hit_keys = set(map(tuple, hits.drop_duplicates().to_numpy()))
    return pd.Series([(a, c) in hit_keys for a, c in zip(candidates["account_id"],
                      candidates["cluster_id"], strict=True)], index=candidates.index)


def attachment_links(clusters: pd.DataFrame, buckets: pd.DataFrame, weak: dict[str, tuple],
                     weights: LinkWeights, schedule: Schedule | None = None) -> pd.DataFrame:
    """Links (cluster anchor, loose account) for accounts synchronised with a cluster and sharing
    at least one more weak trait with it. ``weak``: kind → (attribute table, weight);
    ``schedule``: the clusters' ``hot_buckets`` when the caller has them already."""
    big_enough = clusters["size"].astype("int64") >= weights.attach["min_cluster"]
    if buckets.empty or not big_enough.any():
        return typed_links()
    candidates = synchronised_candidates(clusters, buckets, weights, schedule)
    if candidates.empty:
        return typed_links()
    low = weights.attach["min_share"]
    sync = weights.coactivity["max_weight"] * (
        (candidates["share"] - low) / (1 - low) * 0.5 + 0.5).clip(0, 1)
    miss = np.log1p(-sync.clip(upper=0.999))
    evidence = [[{"kind": "synchronised_with_cluster", "value": f"{s:.2f} of activity in the "
                  f"cluster's schedule (lift {lf:.1f})", "accounts": 0, "weight": round(w, 4)}]
                for s, lf, w in zip(candidates["share"], candidates["lift"], sync, strict=True)]
    for kind, (table, weight) in weak.items():
        shared = _shared_with_cluster(candidates, clusters, table)
        miss = miss + shared * np.log1p(-weight)
        for position in np.flatnonzero(shared.to_numpy()):
            evidence[position].append({"kind": kind, "value": "shared with the cluster",
                                       "accounts": 0, "weight": weight})
    anchors = clusters.drop_duplicates("cluster_id").set_index("cluster_id")["anchor"]
    links = pd.DataFrame({
        "a": candidates["cluster_id"].map(anchors), "b": candidates["account_id"],
        "score": (1 - np.exp(miss)).round(4),
        "kinds": [",".join(sorted(e["kind"] for e in ev)) for ev in evidence],
        "evidence": [json.dumps(ev) for ev in evidence],
    })
    best = links.sort_values("score", ascending=False).drop_duplicates("b")
    return typed_links(best[best["score"] >= weights.link_threshold].reset_index(drop=True))
