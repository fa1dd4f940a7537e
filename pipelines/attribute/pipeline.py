"""Campaign scoring and attribution as plain functions over the work folder's tables."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipelines.attribute.attribution import account_org_evidence, attribute, intermediaries
from pipelines.attribute.config import AttributionConfig, ScoringConfig
from pipelines.attribute.features import (
    Population,
    group_features,
    score_groups,
    typical_extraction_share,
)
from pipelines.paths import PipelinePaths
from pipelines.resolve.pipeline import ip_networks
from pipelines.resolve.profiles import account_profiles
from pipelines.resolve.weights import DEFAULT_WEIGHTS
from pipelines.tables import read_table


@dataclass
class AttributionInputs:
    clusters: pd.DataFrame
    campaigns: pd.DataFrame
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
    domains: pd.DataFrame
    groups_shared: pd.DataFrame  # every shared value: kind, value, accounts, coherence

    @classmethod
    def from_paths(cls, paths: PipelinePaths) -> AttributionInputs:
        norm = lambda n: read_table(paths, f"normalised/{n}")  # noqa: E731
        res = lambda n: read_table(paths, f"resolved/{n}")  # noqa: E731
        return cls(
            clusters=res("clusters"), campaigns=res("campaigns"), links=res("links"),
            org_matches=res("org_matches"),
            accounts=norm("accounts"), payments=norm("payment_instruments"),
            usage_accounts=norm("usage_accounts"), usage_ips=norm("usage_account_ips"),
            usage_days=norm("usage_account_days"), usage_buckets=norm("usage_account_buckets"),
            ip_intel=norm("ip_intel"),
            organisations=norm("organisations"), organisation_names=norm("organisation_names"),
            ownership=norm("ownership"), domains=norm("domain_registrations"),
            groups_shared=res("groups"),
        )

    def population(self) -> Population:
        profiles = account_profiles(self.accounts, self.payments, self.usage_accounts,
                                    self.usage_buckets)
        return Population(typical_extraction_share(self.usage_accounts), profiles)

    def hub_registrants(self) -> frozenset[str]:
        """Registrant emails shared by a large crowd (a privacy or registrar service)."""
        rule = DEFAULT_WEIGHTS.campaign_kinds["registrant"]
        groups = self.groups_shared[self.groups_shared["kind"] == "registrant"]
        gates = groups["coherence"].map(DEFAULT_WEIGHTS.coherence.gate)
        hubs = groups[(groups["accounts"] > rule.small) & (gates <= 0)]
        return frozenset(hubs["value"])

    def groups(self, level: str) -> pd.DataFrame:
        """account_id, group_id of the level asked for ("campaign" or "cluster")."""
        frame = self.campaigns if level == "campaign" else self.clusters
        return frame[["account_id", f"{level}_id"]].rename(columns={f"{level}_id": "group_id"})


def usage_networks(ips: pd.Series, ip_intel: pd.DataFrame) -> pd.DataFrame:
    """Whether each address sits behind a proxy, VPN or hosting exit."""
    frame = ip_networks(ips, ip_intel, DEFAULT_WEIGHTS)
    flags = frame[["is_hosting", "is_proxy", "is_vpn"]].astype(object).fillna(False).astype(bool)
    frame["anonymised"] = frame["usage_type"].isin(["proxy", "hosting"]) | flags.any(axis=1)
    return frame


def group_members(inputs: AttributionInputs, groups: pd.DataFrame) -> pd.DataFrame:
    """One row per grouped account with its normalised fields and usage."""
    cards = inputs.payments.groupby("account_id")["card_country"].first()
    members = groups.merge(inputs.accounts, on="account_id").merge(
        inputs.usage_accounts, on="account_id", how="left")
    members["card_country"] = members["account_id"].map(cards)
    for column in ("requests", "extraction_requests", "max_day"):
        members[column] = members[column].fillna(0)
    return members


SCORE_COLUMNS = ["risk_score", "features", "accounts", "is_campaign", "requests"]


def score_level(inputs: AttributionInputs, config: ScoringConfig, level: str = "campaign"
                ) -> pd.DataFrame:
    """Risk score of every campaign (or cluster), highest first, indexed by its id."""
    members = group_members(inputs, inputs.groups(level))
    if members.empty:
        empty = pd.Index([], dtype=object, name=f"{level}_id")
        return pd.DataFrame(columns=SCORE_COLUMNS, index=empty)
    networks = usage_networks(inputs.usage_ips["source_ip"], inputs.ip_intel)
    features = group_features(members, inputs.usage_buckets, inputs.usage_ips, networks,
                              inputs.usage_days, config, inputs.population())
    scores = score_groups(features, config)
    scores["requests"] = features["requests"]
    return scores.sort_values("risk_score", ascending=False).rename_axis(f"{level}_id")


def score_campaigns(inputs: AttributionInputs, config: ScoringConfig) -> pd.DataFrame:
    return score_level(inputs, config, "campaign")


def attribute_campaigns(inputs: AttributionInputs, scores: pd.DataFrame,
                        config: AttributionConfig) -> pd.DataFrame:
    """Ranked parents of every flagged campaign (campaign_id, org_id, rank, confidence, …)."""
    flagged = scores[scores["is_campaign"]].index
    members = group_members(inputs, inputs.groups("campaign"))
    members = members[members["group_id"].isin(flagged)]
    evidence = account_org_evidence(members, inputs.payments, inputs.organisations,
                                    inputs.org_matches, inputs.domains, inputs.hub_registrants())
    excluded = intermediaries(inputs.organisations, inputs.ip_intel, inputs.organisation_names)
    sizes = members.groupby("group_id").size()
    ranked = attribute(evidence, sizes, inputs.ownership, excluded, config)
    ranked = ranked[ranked["confidence"] >= config.min_confidence].reset_index(drop=True)
    return ranked.rename(columns={"group_id": "campaign_id"})
