"""The resolution step as one plain function over normalised tables (no Dagster, no Neo4j)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipelines.normalise.network import PrefixIndex
from pipelines.resolve import attach as attach_mod
from pipelines.resolve import links as link_mod
from pipelines.resolve.cluster import account_judgements, form_clusters
from pipelines.resolve.identifiers import account_identifiers, group_sizes
from pipelines.resolve.identity import assign_ids
from pipelines.resolve.orgs import apply_org_judgements, match_names
from pipelines.resolve.weights import DEFAULT_WEIGHTS, LinkWeights

WEAK_FUNDING = ("prepaid", "virtual")


@dataclass
class ResolutionInputs:
    accounts: pd.DataFrame
    payments: pd.DataFrame
    domains: pd.DataFrame
    ip_intel: pd.DataFrame
    organisation_names: pd.DataFrame
    judgements: pd.DataFrame
    usage_buckets: pd.DataFrame


@dataclass
class Resolution:
    identifiers: pd.DataFrame
    links: pd.DataFrame  # every scored candidate pair
    clusters: pd.DataFrame  # account_id, anchor, size, cluster_id
    history: pd.DataFrame
    ip_networks: pd.DataFrame  # ip, cidr, is_hub
    org_matches: pd.DataFrame  # subject kind, subject key, org_id, score, method


def ip_networks(ips: pd.Series, ip_intel: pd.DataFrame, weights: LinkWeights) -> pd.DataFrame:
    """Longest-prefix match of every address to IP intelligence, and whether it is a hub
    network (carrier CGNAT, campus or cloud NAT, proxy, VPN) whose sharing proves nothing."""
    distinct = sorted(set(ips.dropna()))
    index = PrefixIndex(ip_intel["cidr"].dropna())
    frame = pd.DataFrame({"ip": distinct, "cidr": index.lookup_many(distinct)}, dtype=object)
    intel = ip_intel.astype({"cidr": object}).set_index("cidr")
    frame = frame.join(intel[["usage_type", "is_hosting", "is_proxy", "is_vpn"]], on="cidr")
    frame["is_hub"] = (frame["usage_type"].isin(weights.hub_usage_types)
                       | frame[["is_hosting", "is_proxy", "is_vpn"]].fillna(False).any(axis=1))
    return frame


def _weak_attributes(inputs: ResolutionInputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    agents = inputs.accounts[["account_id", "user_agent_key"]].dropna()
    agents = agents.rename(columns={"user_agent_key": "value"})
    cards = inputs.payments[inputs.payments["funding_type"].isin(WEAK_FUNDING)]
    bins = cards[["account_id", "bin"]].dropna().rename(columns={"bin": "value"})
    return agents, bins.drop_duplicates()


def score_all_links(
    inputs: ResolutionInputs, identifiers: pd.DataFrame, weak: tuple[pd.DataFrame, pd.DataFrame],
    weights: LinkWeights,
) -> pd.DataFrame:
    """Candidate pairs from identity groups and synchronised activity, every piece of evidence
    on them, and their noisy-OR scores."""
    sizes = group_sizes(identifiers)  # accounts sharing each value: pairs and weights use it
    pairs = link_mod.identity_pairs(identifiers, sizes, weights)
    co_pairs, co_evidence = link_mod.coactivity_evidence(inputs.usage_buckets, weights)
    pairs = pd.concat([pairs, co_pairs]).drop_duplicates().reset_index(drop=True)
    agents, bins = weak
    evidence = pd.concat([
        link_mod.identity_evidence(pairs, identifiers, sizes, weights),
        link_mod.attribute_evidence(pairs, agents, "user_agent", weights.same_user_agent,
                                    weights.common_user_agent_accounts),
        link_mod.attribute_evidence(pairs, bins, "prepaid_bin", weights.shared_bin_prepaid,
                                    10_000_000),
        co_evidence,
    ], ignore_index=True)
    return link_mod.score_links(evidence)


def resolve_organisations(inputs: ResolutionInputs) -> pd.DataFrame:
    """Declared, billing and registrant names matched to registry organisations."""
    names = inputs.organisation_names
    declared = inputs.accounts[["account_id", "declared_org_key"]].dropna()
    matches = match_names(declared["declared_org_key"], names)
    declared = declared.merge(matches, left_on="declared_org_key", right_on="name_key")
    declared = apply_org_judgements(declared[["account_id", "org_id", "score", "method"]],
                                    inputs.judgements)
    billing = inputs.payments[["billing_key", "billing_name_key"]].dropna().drop_duplicates()
    billing = billing.merge(match_names(billing["billing_name_key"], names),
                            left_on="billing_name_key", right_on="name_key")
    registrant = inputs.domains[["domain", "registrant_org_key"]].dropna()
    registrant = registrant.merge(match_names(registrant["registrant_org_key"], names),
                                  left_on="registrant_org_key", right_on="name_key")
    parts = [
        declared.rename(columns={"account_id": "subject"}).assign(subject_kind="account"),
        billing.rename(columns={"billing_key": "subject"}).assign(subject_kind="billing"),
        registrant.rename(columns={"domain": "subject"}).assign(subject_kind="domain"),
    ]
    columns = ["subject_kind", "subject", "org_id", "score", "method"]
    return pd.concat([p[columns] for p in parts], ignore_index=True)


def resolve(
    inputs: ResolutionInputs, previous: pd.DataFrame, run_id: str,
    weights: LinkWeights = DEFAULT_WEIGHTS,
) -> Resolution:
    networks = ip_networks(inputs.accounts["signup_ip"], inputs.ip_intel, weights)
    identifiers = account_identifiers(inputs.accounts, inputs.payments, inputs.domains,
                                      networks[["ip", "is_hub"]])
    agents, bins = _weak_attributes(inputs)
    links = score_all_links(inputs, identifiers, (agents, bins), weights)
    judgements = account_judgements(inputs.judgements)
    first_pass = form_clusters(links, judgements, weights, len(inputs.accounts))
    first_pass = first_pass.assign(cluster_id=first_pass["anchor"])
    attached = attach_mod.attachment_links(first_pass, inputs.usage_buckets, {
        "user_agent": (agents, weights.same_user_agent),
        "prepaid_bin": (bins, weights.shared_bin_prepaid),
    }, weights)
    links = pd.concat([links, attached], ignore_index=True)
    clusters = form_clusters(links, judgements, weights, len(inputs.accounts))
    assigned, history = assign_ids(clusters, previous, run_id)
    return Resolution(identifiers, links, assigned, history, networks,
                      resolve_organisations(inputs))
