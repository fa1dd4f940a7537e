"""Campaign scoring and attribution as plain functions over the work folder's tables."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipelines.attribute.attribution import account_org_evidence, attribute, intermediaries
from pipelines.attribute.config import AttributionConfig, ScoringConfig
from pipelines.attribute.features import cluster_features, score_clusters
from pipelines.paths import PipelinePaths
from pipelines.resolve.pipeline import ip_networks
from pipelines.resolve.weights import DEFAULT_WEIGHTS


@dataclass
class AttributionInputs:
    clusters: pd.DataFrame
    links: pd.DataFrame
    org_matches: pd.DataFrame
    accounts: pd.DataFrame
    payments: pd.DataFrame
    usage_accounts: pd.DataFrame
    usage_ips: pd.DataFrame
    usage_days: pd.DataFrame
    usage_buckets: pd.DataFrame
    ip_intel: pd.DataFrame
    organisations: pd.DataFrame
    organisation_names: pd.DataFrame
    ownership: pd.DataFrame

    @classmethod
    def from_paths(cls, paths: PipelinePaths) -> AttributionInputs:
        norm = lambda n: pd.read_parquet(paths.normalised(n))  # noqa: E731
        res = lambda n: pd.read_parquet(paths.output(f"resolved/{n}.parquet"))  # noqa: E731
        return cls(
            clusters=res("clusters"), links=res("links"), org_matches=res("org_matches"),
            accounts=norm("accounts"), payments=norm("payment_instruments"),
            usage_accounts=norm("usage_accounts"), usage_ips=norm("usage_account_ips"),
            usage_days=norm("usage_account_days"), usage_buckets=norm("usage_account_buckets"),
            ip_intel=norm("ip_intel"),
            organisations=norm("organisations"), organisation_names=norm("organisation_names"),
            ownership=norm("ownership"),
        )


def usage_networks(ips: pd.Series, ip_intel: pd.DataFrame) -> pd.DataFrame:
    """Whether each address sits behind a proxy, VPN or hosting exit."""
    frame = ip_networks(ips, ip_intel, DEFAULT_WEIGHTS)
    frame["anonymised"] = frame["usage_type"].isin(["proxy", "hosting"]) | frame[
        ["is_hosting", "is_proxy", "is_vpn"]].fillna(False).astype(bool).any(axis=1)
    return frame


def cluster_members(inputs: AttributionInputs) -> pd.DataFrame:
    cards = inputs.payments.groupby("account_id")["card_country"].first()
    members = inputs.clusters[["account_id", "cluster_id"]].merge(
        inputs.accounts, on="account_id").merge(inputs.usage_accounts, on="account_id",
                                                how="left")
    members["card_country"] = members["account_id"].map(cards)
    for column in ("requests", "extraction_requests", "max_day"):
        members[column] = members[column].fillna(0)
    return members


def score_campaigns(inputs: AttributionInputs, config: ScoringConfig) -> pd.DataFrame:
    members = cluster_members(inputs)
    if members.empty:
        return pd.DataFrame(columns=["risk_score", "features", "accounts", "is_campaign",
                                     "requests"])
    networks = usage_networks(inputs.usage_ips["source_ip"], inputs.ip_intel)
    features = cluster_features(members, inputs.usage_buckets, inputs.usage_ips, networks,
                                inputs.usage_days, config)
    scores = score_clusters(features, config)
    scores["requests"] = features["requests"]
    return scores.sort_values("risk_score", ascending=False)


def attribute_campaigns(inputs: AttributionInputs, scores: pd.DataFrame,
                        config: AttributionConfig) -> pd.DataFrame:
    campaigns = scores[scores["is_campaign"]].index
    members = cluster_members(inputs)
    members = members[members["cluster_id"].isin(campaigns)]
    evidence = account_org_evidence(members, inputs.payments, inputs.organisations,
                                    inputs.org_matches)
    excluded = intermediaries(inputs.organisations, inputs.ip_intel, inputs.organisation_names)
    sizes = members.groupby("cluster_id").size()
    ranked = attribute(evidence, sizes, inputs.ownership, excluded, config)
    return ranked[ranked["confidence"] >= config.min_confidence].reset_index(drop=True)
