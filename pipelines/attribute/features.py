"""Campaign scoring of groups of accounts (campaigns; clusters for the per-cluster
view): each feature's value in [0, 1] and its contribution, summed through a logistic into a risk
score. Volume alone is no guilt: a legitimate heavy user has high volume but neither
rate-limit-hugging accounts nor extraction prompts."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.attribute.config import ScoringConfig
from pipelines.resolve.attach import hot_buckets
from pipelines.resolve.weights import DEFAULT_WEIGHTS as ATTACH_WEIGHTS

ANONYMISED_TYPES = ("proxy", "hosting")


def _share(mask: pd.Series, groups: pd.Series) -> pd.Series:
    return mask.astype(float).groupby(groups).mean()


def many_small_accounts(members: pd.DataFrame, config: ScoringConfig) -> pd.Series:
    """Traffic spread over many active accounts, each kept under the daily rate limit: the
    share of active accounts under the limit times how many there are (log scale, full at
    ~300). Accounts that never sent a request are no part of it."""
    active = members[members["requests"] > 0]
    under = _share(active["max_day"] <= config.rate_limit_per_day, active["group_id"])
    size = active.groupby("group_id").size()
    many = np.minimum(1.0, np.log10(size.clip(lower=1)) / 2.5)
    return (under * many).reindex(members["group_id"].unique()).fillna(0.0)


def extraction_excess(members: pd.DataFrame, baseline: float) -> pd.Series:
    """How far the group's share of extraction-prone prompts (chain-of-thought elicitation,
    reasoning traces, tool use) exceeds the typical account's, as a share of the headroom:
    full when the excess is half of it. A disguised mix still stands out from ordinary use."""
    sums = members.groupby("group_id")[["extraction_requests", "requests"]].sum()
    share = (sums["extraction_requests"] / sums["requests"].replace(0, np.nan)).fillna(0)
    excess = (share - baseline) / max(1 - baseline, 1e-9)
    return (excess / 0.5).clip(0, 1)


def typical_extraction_share(usage: pd.DataFrame) -> float:
    """The median account's share of extraction-prone prompts (robust to any one campaign)."""
    active = usage[usage["requests"] > 0]
    if active.empty:
        return 0.0
    return float((active["extraction_requests"] / active["requests"]).median())


def operator_coherence(members: pd.DataFrame, profiles: pd.DataFrame) -> pd.Series:
    """How much the group's accounts look like one operator (coherence.py): created together,
    one tier and funding, one prompt mix and schedule. A crowd scores near 0."""
    from pipelines.resolve.coherence import group_coherence

    frame = members[["group_id", "account_id"]].rename(columns={"group_id": "group"})
    return group_coherence(frame, profiles, ATTACH_WEIGHTS.coherence)


def synchronised_activity(members: pd.DataFrame, buckets: pd.DataFrame) -> pd.Series:
    """How much of the cluster's activity falls in its hot buckets (where several members are
    active at once), discounted by how much of the day those buckets cover: a scheduler firing
    on a few shared minutes scores high, accounts busy around the clock do not."""
    groups = members[["account_id", "group_id"]].assign(
        size=members.groupby("group_id")["account_id"].transform("size"))
    hot, density = hot_buckets(groups.rename(columns={"group_id": "cluster_id"}), buckets,
                               ATTACH_WEIGHTS.attach["min_cluster"])
    hot = hot.rename(columns={"cluster_id": "group_id"})
    if hot.empty:
        return pd.Series(0.0, index=pd.Index(members["group_id"].unique(), name="group_id"))
    active = buckets.merge(groups[["account_id", "group_id"]], on="account_id")
    active = active.merge(hot.assign(hot=True), on=["group_id", "bucket"], how="left")
    share = active["hot"].fillna(False).astype(float).groupby(active["group_id"]).mean()
    return (share * (1 - density.reindex(share.index).fillna(1))).clip(0, 1)


def creation_burst(members: pd.DataFrame) -> pd.Series:
    """Largest share of a cluster's accounts created within one 24-hour window."""
    def densest(created: pd.Series) -> float:
        times = np.sort(created.dropna().dt.as_unit("s").astype("int64").to_numpy())
        if len(times) < 3:
            return 0.0
        window = 24 * 3600
        ends = np.searchsorted(times, times + window, side="right")
        return float((ends - np.arange(len(times))).max() / len(times))
    return members.groupby("group_id")["created_at"].apply(densest)


def anonymised_network_share(members: pd.DataFrame, account_ips: pd.DataFrame,
                             networks: pd.DataFrame) -> pd.Series:
    """Share of the cluster's requests sent through proxy, VPN or hosting exits."""
    flags = networks.set_index("ip")["anonymised"]
    ips = account_ips.merge(members[["account_id", "group_id"]], on="account_id")
    ips = ips.assign(anon=ips["source_ip"].map(flags).fillna(False).astype(bool))
    total = ips.groupby("group_id")["requests"].sum()
    anon = ips[ips["anon"]].groupby("group_id")["requests"].sum()
    return (anon / total).reindex(total.index).fillna(0)


def unsupported_region_share(members: pd.DataFrame, config: ScoringConfig) -> pd.Series:
    unsupported = members["declared_country"].isin(config.unsupported_countries) | members[
        "card_country"].isin(config.unsupported_countries)
    return _share(unsupported, members["group_id"])


def release_burst(members: pd.DataFrame, days: pd.DataFrame, config: ScoringConfig) -> pd.Series:
    """Requests right after model releases, relative to what an even spread would put there."""
    releases = pd.to_datetime(list(config.release_dates), utc=True)
    day = pd.to_datetime(days["day"], utc=True)
    window = pd.Timedelta(hours=config.release_window_hours)
    in_window = np.zeros(len(days), dtype=bool)
    for release in releases:
        in_window |= ((day >= release) & (day < release + window)).to_numpy()
    frame = days.assign(in_window=in_window).merge(members[["account_id", "group_id"]],
                                                   on="account_id")
    observed = frame[frame["in_window"]].groupby("group_id")["requests"].sum() / frame.groupby(
        "group_id")["requests"].sum()
    span = frame.groupby("group_id")["day"].nunique().clip(lower=1).astype(float)
    expected = (len(releases) * config.release_window_hours / 24) / span
    ratio = (observed.fillna(0) / expected.clip(lower=1e-9)).reindex(span.index).fillna(0)
    return ((ratio - 1) / 2).clip(0, 1)


def disposable_or_voip_share(members: pd.DataFrame) -> pd.Series:
    flag = members["email_disposable"].fillna(False).astype(bool) | members["phone_type"].eq("voip")
    return _share(flag, members["group_id"])


def lookalike_share(members: pd.DataFrame) -> pd.Series:
    """Share of accounts whose email or name mixes look-alike letters from another script."""
    flag = members.get("lookalike", pd.Series(False, index=members.index))
    return _share(flag.fillna(False).astype(bool), members["group_id"])


def score_groups(features: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """Risk score per group with each feature's value and contribution as JSON."""
    names = list(config.weights)
    # float64 even when a feature came out empty (no usage at all) and pandas left it object
    contributions = features[names].astype("float64").mul(pd.Series(config.weights))
    logit = config.bias + contributions.sum(axis=1)
    out = pd.DataFrame(index=features.index)
    out["risk_score"] = (1 / (1 + np.exp(-logit))).round(4)
    out["features"] = [
        json.dumps({n: {"value": round(float(features.at[c, n]), 4),
                        "contribution": round(float(contributions.at[c, n]), 4)}
                    for n in names})
        for c in features.index
    ]
    out["accounts"] = features["accounts"]
    out["is_campaign"] = (out["risk_score"] >= config.campaign_threshold) & (
        features["accounts"] >= config.min_campaign_accounts)
    return out


@dataclass
class Population:
    """What the whole population looks like, for features measured against it."""

    extraction_share: float
    profiles: pd.DataFrame


def group_features(members: pd.DataFrame, buckets: pd.DataFrame, account_ips: pd.DataFrame,
                   networks: pd.DataFrame, days: pd.DataFrame, config: ScoringConfig,
                   population: Population) -> pd.DataFrame:
    """All features per group. ``members``: one row per grouped account with its usage and
    normalised account fields."""
    features = pd.DataFrame({
        "many_small_accounts": many_small_accounts(members, config),
        "extraction_excess": extraction_excess(members, population.extraction_share),
        "operator_coherence": operator_coherence(members, population.profiles),
        "synchronised_activity": synchronised_activity(members, buckets),
        "creation_burst": creation_burst(members),
        "anonymised_network_share": anonymised_network_share(members, account_ips, networks),
        "unsupported_region_share": unsupported_region_share(members, config),
        "release_burst": release_burst(members, days, config),
        "disposable_or_voip_share": disposable_or_voip_share(members),
        "lookalike_share": lookalike_share(members),
    }).fillna(0)
    features["accounts"] = members.groupby("group_id").size()
    sums = members.groupby("group_id")[["requests"]].sum()
    features["requests"] = sums["requests"].fillna(0).astype("int64")
    return features
