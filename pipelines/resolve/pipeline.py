"""The resolution step as one plain function over normalised tables (no Dagster, no Neo4j).

    identifiers + activity signatures ─► shared-value groups (size, coherence)
      ─► cluster level: candidate pairs, evidence, noisy-OR, stars of large coherent groups
         (+ fuzzy billing identities, + accounts synchronised with a cluster) ─► clusters
      ─► campaign level: the same with operator-level evidence ─► campaigns
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipelines.attribute.attribution import (
    account_org_evidence,
    controlling_parent,
    intermediaries,
    ownership_chain,
)
from pipelines.columns import among
from pipelines.normalise.network import PrefixIndex
from pipelines.resolve import attach as attach_mod
from pipelines.resolve import coactivity
from pipelines.resolve.billing_increment import BillingState
from pipelines.resolve.blocking import group_stars, pairs_within
from pipelines.resolve.bursts import (
    agent_links,
    burst_links,
    creation_bursts,
    network_links,
    operator_agents,
    operator_networks,
)
from pipelines.resolve.cluster import OperationRule, ParentConflict, form_groups, giant_limit
from pipelines.resolve.coactivity import COACTIVITY_KIND
from pipelines.resolve.coherence import group_coherence
from pipelines.resolve.evidence import shared_evidence, weak_groups
from pipelines.resolve.exits import exit_schedule_links
from pipelines.resolve.fuzzy import (
    FUZZY_BILLING_KIND,
    billing_matches,
    fuzzy_billing_evidence,
)
from pipelines.resolve.groups import value_groups, weigh
from pipelines.resolve.identifiers import account_identifiers
from pipelines.resolve.identity import assign_ids
from pipelines.resolve.judgements import AccountJudgements, account_judgements
from pipelines.resolve.nesting import (
    WEAK_KINDS,
    nested_links,
    operator_like_traits,
    without_crowds,
)
from pipelines.resolve.orgs import OrganisationMatcher, apply_org_judgements, match_names
from pipelines.resolve.pieces import one_operation_each, piece_links
from pipelines.resolve.profiles import account_profiles
from pipelines.resolve.scoring import score_links
from pipelines.resolve.synchrony import synchronised_operation_links
from pipelines.resolve.together import weak_carriers, weak_together_links
from pipelines.resolve.weights import DEFAULT_WEIGHTS, LinkWeights


@dataclass
class ResolutionInputs:
    accounts: pd.DataFrame
    payments: pd.DataFrame
    domains: pd.DataFrame
    ip_intel: pd.DataFrame
    organisation_names: pd.DataFrame
    judgements: pd.DataFrame
    usage_buckets: pd.DataFrame
    usage_accounts: pd.DataFrame
    organisations: pd.DataFrame
    ownership: pd.DataFrame
    # account_id, source_ip (categories), requests: read by the one pass that uses them
    usage_ips: Callable[[], pd.DataFrame]


@dataclass
class Resolution:
    identifiers: pd.DataFrame
    links: pd.DataFrame  # every scored candidate pair at cluster level
    clusters: pd.DataFrame  # account_id, anchor, size, cluster_id
    history: pd.DataFrame
    ip_networks: pd.DataFrame  # each sign-up address: ip, cidr, usage type and flags, is_hub
    org_matches: pd.DataFrame  # subject kind, subject key, org_id, score, method
    groups: pd.DataFrame  # kind, value, accounts, coherence: every shared value
    campaign_links: pd.DataFrame  # links at campaign level (score ≥ the campaign threshold)
    campaigns: pd.DataFrame  # account_id, anchor, size, campaign_id
    billing_model: str = ""  # the trained fuzzy billing model (Splink settings JSON)
    billing_state: BillingState | None = None  # what the next run scores billing by difference from


def ip_networks(ips: pd.Series, ip_intel: pd.DataFrame, weights: LinkWeights) -> pd.DataFrame:
    """Longest-prefix match of every address to IP intelligence, and whether it is a hub
    network (carrier CGNAT, campus or cloud NAT, proxy, VPN) whose sharing proves nothing."""
    distinct = sorted(set(ips.dropna()))
    index = PrefixIndex(ip_intel["cidr"].dropna())
    frame = pd.DataFrame({"ip": distinct, "cidr": index.lookup_many(distinct)}, dtype=object)
    intel = ip_intel.astype({"cidr": object}).drop_duplicates("cidr").set_index("cidr")
    frame = frame.join(intel[["usage_type", "is_hosting", "is_proxy", "is_vpn"]], on="cidr")
    flags = frame[["is_hosting", "is_proxy", "is_vpn"]].astype(object).fillna(False).astype(bool)
    frame["is_hub"] = frame["usage_type"].isin(weights.hub_usage_types) | flags.any(axis=1)
    return frame


@dataclass
class Shared:
    """Everything the accounts share, computed once for both levels."""

    identifiers: pd.DataFrame  # account_id, kind, value (co-activity bands included)
    groups: pd.DataFrame  # kind, value, accounts, coherence
    signature: pd.DataFrame  # MinHash signature per active account
    profiles: pd.DataFrame
    # Names (kind=value) the registry gives to companies of different owners.
    ambiguous: frozenset[str] = frozenset()


def shared_values(inputs: ResolutionInputs, networks: pd.DataFrame,
                  weights: LinkWeights) -> Shared:
    identifiers = account_identifiers(inputs.accounts, inputs.payments, inputs.domains,
                                      networks[["ip", "is_hub"]])
    profiles = account_profiles(inputs.accounts, inputs.payments, inputs.usage_accounts,
                                inputs.usage_buckets)
    signature = coactivity.signatures(inputs.usage_buckets, weights.coactivity["min_buckets"])
    bands = coactivity.band_memberships(signature)
    groups = value_groups(identifiers, profiles, weights)
    band_groups = value_groups(bands, profiles.drop(columns=["schedule"]), weights)
    return Shared(pd.concat([identifiers, bands], ignore_index=True),
                  pd.concat([groups, band_groups], ignore_index=True), signature, profiles)


def _crowd_test(profiles: pd.DataFrame, weights: LinkWeights):
    """Is a set of accounts a crowd (coherence below the gate) rather than one operation?"""
    def is_crowd(members: set[str]) -> bool:
        frame = pd.DataFrame({"group": "g", "account_id": sorted(members)})
        score = group_coherence(frame, profiles, weights.coherence)
        return float(score.get("g", 0.0)) < weights.coherence.gate_low
    return is_crowd


def _candidate_pairs(shared: Shared, weighted: pd.DataFrame, limit: int) -> pd.DataFrame:
    bands = shared.groups[(shared.groups["kind"] == COACTIVITY_KIND)
                          & (shared.groups["accounts"] <= limit)]
    return pd.concat([pairs_within(shared.identifiers, weighted, limit),
                      pairs_within(shared.identifiers, bands, limit)]).drop_duplicates()


def cluster_links(inputs: ResolutionInputs, shared: Shared, weights: LinkWeights,
                  previous_billing: BillingState | None = None
                  ) -> tuple[pd.DataFrame, BillingState | None]:
    """Scored account pairs at cluster level, and links to the members of large coherent
    identity groups; and the fuzzy billing state (its model among it) that scored billing
    profiles, by difference from ``previous_billing`` when that can be used."""
    weighted = weigh(shared.groups, weights.identity, weights)
    matches, billing = billing_matches(inputs.payments, weights.billing_fuzzy, previous_billing)
    fuzzy_pairs, fuzzy_evidence = fuzzy_billing_evidence(matches, inputs.payments,
                                                         weights.billing_fuzzy)
    del matches  # only its evidence is needed from here
    pairs = pd.concat([_candidate_pairs(shared, weighted, weights.pair_limit),
                       fuzzy_pairs]).drop_duplicates().reset_index(drop=True)
    del fuzzy_pairs
    stars = group_stars(shared.identifiers, weighted, weights.pair_limit,
                        weights.link_threshold)
    evidence = [
        shared_evidence(pairs, shared.identifiers, weighted),
        shared_evidence(pairs, shared.identifiers, weak_groups(shared.groups, weights.weak)),
        coactivity.jaccard_evidence(shared.signature, _both_active(pairs, shared.signature),
                                    weights.coactivity),
        fuzzy_evidence,
    ]
    del pairs, fuzzy_evidence
    scored = score_links(handed_over(evidence))
    return pd.concat([scored, stars], ignore_index=True), billing


def handed_over(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """One table of ``parts``, emptying the list, so that the caller holds no reference to it:
    passed straight to a step (``score_links(handed_over(parts))``), it is freed once that step
    is done with it. At a million accounts the evidence is gigabytes, held through the scoring
    otherwise."""
    frame = pd.concat(parts, ignore_index=True)
    parts.clear()
    return frame


def _both_active(pairs: pd.DataFrame, signature: pd.DataFrame) -> pd.DataFrame:
    return pairs[among(pairs["a"], signature.index) & among(pairs["b"], signature.index)]


def operator_groups(shared: Shared, weights: LinkWeights) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shared values weighed at campaign level: operator-level kinds, and identity kinds (which
    count there when a large coherent group shares them)."""
    kinds = {k: r for k, r in weights.campaign_kinds.items() if k != "coactivity"}
    return weigh(shared.groups, kinds, weights), weigh(shared.groups, weights.identity, weights)


def campaign_links(shared: Shared, cluster_level: pd.DataFrame, weights: LinkWeights
                   ) -> pd.DataFrame:
    """Links at campaign level: operator-level evidence (and what the cluster level found) on
    pairs of small groups, and links to the members of large coherent groups."""
    operator, identity = operator_groups(shared, weights)
    bands = weigh(shared.groups, {"coactivity": weights.campaign_kinds["coactivity"]}, weights)
    pairs = pairs_within(shared.identifiers, operator, weights.campaign_pair_limit)
    evidence = [
        shared_evidence(pairs, shared.identifiers, operator),
        shared_evidence(pairs, shared.identifiers, identity),
        coactivity.jaccard_evidence(shared.signature, _both_active(pairs, shared.signature),
                                    weights.coactivity),
    ]
    del pairs
    paired = score_links(handed_over(evidence))
    scored = pd.concat([paired,
                        group_stars(shared.identifiers, operator, weights.campaign_pair_limit,
                                    weights.campaign_threshold),
                        coactivity.synchronised_stars(
                            shared.signature, shared.identifiers, bands,
                            weights.campaign_threshold, weights.coactivity["full_jaccard"]),
                        cluster_level], ignore_index=True)
    del paired, cluster_level  # in ``scored`` now; the caller handed the strong links over
    # The strongest link of each pair, strongest first (ties in the order above): chosen on the
    # ids and scores alone, then taken whole once (sorting and deduplicating whole rows copied
    # the cluster level's evidence three times over: gigabytes at a million accounts).
    keep = scored["score"].astype("float64") >= weights.campaign_threshold
    chosen = scored.loc[keep, ["a", "b", "score"]].sort_values("score", ascending=False,
                                                              kind="stable")
    return scored.loc[chosen.drop_duplicates(["a", "b"]).index]


def activity_bands(shared: Shared, weights: LinkWeights) -> pd.DataFrame:
    """(account_id, value) of the activity bands (``coactivity.band_memberships``) that are no
    measured crowd (``nesting.without_crowds``: a schedule thousands keep is nobody's)."""
    groups = shared.groups[shared.groups["kind"] == COACTIVITY_KIND]
    kept = without_crowds(groups, weights.coherence)[["value"]].drop_duplicates()
    identifiers = shared.identifiers
    return identifiers.loc[identifiers["kind"] == COACTIVITY_KIND, ["account_id", "value"]
                           ].merge(kept)


GROWTH_ROUNDS = 5  # each round places pieces the previous one made reachable; few are left
PARENT_KIND = "parent"  # the ultimate parent an account's organisations lead to


def grow_campaigns(shared: Shared, campaigns: pd.DataFrame, operator_links: list[pd.DataFrame],
                   judgements: AccountJudgements, weights: LinkWeights, limit: int,
                   networks: pd.DataFrame) -> pd.DataFrame:
    """Campaigns grown by their pieces (``pieces.piece_links``: a piece sharing one of the
    operator's names with one part and a front with another; ``nesting.nested_links``: a piece
    carrying nothing but the operation's values; ``bursts.burst_links``: a piece created in the
    operation's sign-up burst, running a client the operation holds or signed up from a
    network block it holds, with the operation's profile: ``bursts.agent_links``,
    ``bursts.network_links``), and by the formed operations that run its client build and card
    batch (``together.weak_together_links``), until nothing moves. The links each round adds
    are appended to ``operator_links`` (parts of one table, never copied whole)."""
    operator, identity = operator_groups(shared, weights)
    strong = operator[~operator["kind"].isin(WEAK_KINDS)]
    traits = operator_like_traits(operator, weights.coherence)
    nesting_values = without_crowds(pd.concat([strong, operator.merge(traits)],
                                              ignore_index=True), weights.coherence)
    bursts = creation_bursts(shared.profiles, weights.bursts)
    agents = operator_agents(shared.identifiers, shared.groups, weights.coherence)
    carried = weak_carriers(shared.identifiers, traits)
    bands = activity_bands(shared, weights)
    for _ in range(GROWTH_ROUNDS):
        grown = pd.concat([
            piece_links(shared.identifiers, campaigns, operator, identity,
                        weights.campaign_pair_limit, weights.campaign_threshold),
            nested_links(shared.identifiers, campaigns, nesting_values, weights.campaign_threshold,
                         bands),
            burst_links(bursts, campaigns, shared.profiles, weights.bursts,
                        weights.campaign_threshold),
            agent_links(agents, campaigns, shared.profiles, weights.bursts,
                        weights.campaign_threshold),
            network_links(networks, campaigns, shared.profiles, weights.bursts,
                          weights.campaign_threshold),
            weak_together_links(carried, campaigns, weights.coherence.min_group,
                                weights.campaign_threshold),
        ], ignore_index=True)
        grown = one_operation_each(grown, campaigns)
        if grown.empty:
            break
        operator_links.append(grown)
        before = (len(campaigns), campaigns["anchor"].nunique())
        campaigns = form_campaigns(operator_links, judgements, shared, weights, limit)
        if (len(campaigns), campaigns["anchor"].nunique()) == before:
            break
    return campaigns


def form_campaigns(operator_links: list[pd.DataFrame], judgements: AccountJudgements,
                   shared: Shared, weights: LinkWeights, limit: int) -> pd.DataFrame:
    """Campaigns from the links at campaign level: two operations tied through one identity
    value alone stay two (``cluster.OperationRule``), and so do two that answer to different
    parents tied through names and weak traits alone (``cluster.ParentConflict``)."""
    identifiers = shared.identifiers
    parents = identifiers.loc[identifiers["kind"] == PARENT_KIND, ["account_id", "value"]]
    conflict = ParentConflict(parents, frozenset(weights.parent_conflict.soft_kinds),
                              weights.parent_conflict.lead_share)
    operations = OperationRule(weights.operation_min_accounts,
                               frozenset(weights.identity) | {FUZZY_BILLING_KIND},
                               shared.ambiguous, conflict)
    return form_groups(operator_links, judgements, weights.campaign_threshold, limit,
                       _crowd_test(shared.profiles, weights), operations)


def form_clusters(links: pd.DataFrame, judgements: AccountJudgements, shared: Shared,
                  weights: LinkWeights, total: int) -> pd.DataFrame:
    limit = giant_limit(total, weights.giant_share, weights.giant_min_accounts)
    return form_groups(links, judgements, weights.link_threshold, limit,
                       _crowd_test(shared.profiles, weights))


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


def parent_identifiers(inputs: ResolutionInputs, org_matches: pd.DataFrame,
                       groups: pd.DataFrame, weights: LinkWeights,
                       registry: NameOwners) -> pd.DataFrame:
    """(account, "parent", ultimate parent) for every registry organisation an account reaches
    (declared, billing, registrant or website of its mail domain), climbed up controlling
    ownership: sibling fronts of one parent share it. Intermediaries (proxy and hosting
    companies) and registrants that are hubs are no route."""
    members = inputs.accounts[["account_id", "email_domain"]].assign(group_id="all")
    registrants = groups[(groups["kind"] == "registrant")
                         & (groups["accounts"] > weights.campaign_kinds["registrant"].small)
                         & (groups["coherence"].map(weights.coherence.gate) <= 0)]
    evidence = account_org_evidence(members, inputs.payments, inputs.organisations, org_matches,
                                    inputs.domains, frozenset(registrants["value"]))
    excluded = intermediaries(inputs.organisations, inputs.ip_intel, inputs.organisation_names)
    evidence = evidence[~evidence["org_id"].isin(excluded)]
    top = {org: ownership_chain(org, registry.parents)[-1]
           for org in evidence["org_id"].unique()}
    frame = pd.DataFrame({"account_id": evidence["account_id"], "kind": PARENT_KIND,
                          "value": evidence["org_id"].map(top)})
    siblings = shared_name_parents(registry, excluded)
    return pd.concat([frame, siblings]).drop_duplicates().reset_index(drop=True)


@dataclass
class NameOwners:
    """The names accounts go by, and who owns the registry companies that bear them."""
    names: pd.DataFrame  # account_id, kind (declared_org or billing_name), key
    owners: dict[str, tuple[list[str], set[str]]]  # key → organisations, ultimate parents
    parents: dict  # controlling parent of each organisation


def name_owners(inputs: ResolutionInputs) -> NameOwners:
    """Every declared and billing name, and per name key that matches several registry
    organisations alike, those organisations and their ultimate parents (matched once for
    the parents it names and the names it makes ambiguous)."""
    declared = inputs.accounts[["account_id", "declared_org_key"]].dropna().set_axis(
        ["account_id", "key"], axis=1).assign(kind="declared_org")
    billed = inputs.payments[["account_id", "billing_name_key"]].dropna().set_axis(
        ["account_id", "key"], axis=1).assign(kind="billing_name")
    names = pd.concat([declared, billed], ignore_index=True)
    parents = controlling_parent(inputs.ownership)
    matcher = OrganisationMatcher(inputs.organisation_names)
    owners = {}
    for key in names["key"].unique():
        found = matcher.candidates(key)
        if found is not None and len(found[0]) >= 2:
            owners[key] = (found[0], {ownership_chain(org, parents)[-1] for org in found[0]})
    return NameOwners(names, owners, parents)


def shared_name_parents(registry: NameOwners, excluded: set) -> pd.DataFrame:
    """(account, "parent", ultimate parent) for declared and billing names that match several
    registry organisations alike (sibling fronts registered under one name in two countries):
    no one of them is named, but when all of them answer to one parent, that parent is."""
    common = {key: next(iter(tops)) for key, (orgs, tops) in registry.owners.items()
              if len(tops) == 1 and not set(orgs) & excluded}
    names = registry.names[registry.names["key"].isin(common)]
    return pd.DataFrame({"account_id": names["account_id"], "kind": PARENT_KIND,
                         "value": names["key"].map(common)})


def ambiguous_names(registry: NameOwners) -> frozenset[str]:
    """Declared and billing names (``kind=value``) that the registry gives to companies of
    different owners ('Chenning' for Chenning Bio and Chenning Studio): it may tie one
    operation's accounts, but alone it does not make two operations one
    (``cluster.OperationRule``)."""
    split = {key for key, (_, tops) in registry.owners.items() if len(tops) >= 2}
    names = registry.names[registry.names["key"].isin(split)].drop_duplicates(["kind", "key"])
    return frozenset(names["kind"] + "=" + names["key"])


# Each weak kind's (account_id, value) rows and its weight.
WeakValues = dict[str, tuple[pd.DataFrame, float]]


@dataclass
class ClusterLevel:
    """What the cluster level hands on: its strong links (the campaign level's input), the
    clusters, and where all the links wait on disk until the resolution is returned."""

    strong: pd.DataFrame
    clusters: pd.DataFrame
    history: pd.DataFrame
    links_file: Path
    billing: BillingState | None

    def hand_over_strong(self) -> pd.DataFrame:
        """The strong links, no longer held here, so the step that takes them can free them
        (at a million accounts they are a gigabyte)."""
        strong, self.strong = self.strong, self.strong.iloc[0:0]
        return strong


def park(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table the resolution returns but no later step reads, so the steps between do
    not hold it (the 6.6M links at a million accounts are 2.2 GB in memory)."""
    frame.to_parquet(path, index=False)
    return path


def resolve_clusters(inputs: ResolutionInputs, shared: Shared, judgements: AccountJudgements,
                     weak: WeakValues, previous: pd.DataFrame, run_id: str,
                     weights: LinkWeights, spill: Path,
                     previous_billing: BillingState | None = None) -> ClusterLevel:
    """The clusters and their links (every one parked in ``spill``)."""
    total = len(inputs.accounts)
    links, billing = cluster_links(inputs, shared, weights, previous_billing)
    first_pass = form_clusters(links, judgements, shared, weights, total)
    first_pass = first_pass.assign(cluster_id=first_pass["anchor"])
    attached = attach_mod.attachment_links(first_pass, inputs.usage_buckets, weak, weights)
    links = pd.concat([links, attached], ignore_index=True)
    clusters = form_clusters(links, judgements, shared, weights, total)
    assigned, history = assign_ids(clusters, previous, run_id)
    strong = links[links["score"].astype("float64") >= weights.link_threshold]
    return ClusterLevel(strong, assigned, history, park(links, spill / "links.parquet"), billing)


def weak_values(shared: Shared, weights: LinkWeights) -> WeakValues:
    """Each weak kind's (account, value) rows and weight: what the attach passes share."""
    identifiers = shared.identifiers
    return {kind: (identifiers[identifiers["kind"] == kind][["account_id", "value"]],
                   float(rule["weight"])) for kind, rule in weights.weak.items()}


def resolve(
    inputs: ResolutionInputs, previous: pd.DataFrame, run_id: str,
    weights: LinkWeights = DEFAULT_WEIGHTS, previous_campaigns: pd.DataFrame | None = None,
    previous_billing: BillingState | None = None,
) -> Resolution:
    networks = ip_networks(inputs.accounts["signup_ip"], inputs.ip_intel, weights)
    shared = shared_values(inputs, networks, weights)
    judgements = account_judgements(inputs.judgements)
    weak = weak_values(shared, weights)
    with tempfile.TemporaryDirectory(prefix="attrib-resolve-") as spill:
        level = resolve_clusters(inputs, shared, judgements, weak, previous, run_id,
                                 weights, Path(spill), previous_billing)
        org_matches = resolve_organisations(inputs)
        add_parents(inputs, shared, org_matches, weights, level.clusters)
        operator_links, campaigns = resolve_campaigns(inputs, shared, level, judgements, weak,
                                                      weights, networks)
        links = pd.read_parquet(level.links_file)
    previous_campaigns = (previous_campaigns if previous_campaigns is not None
                          else pd.DataFrame(columns=["account_id", "cluster_id"]))
    campaigns, _ = assign_ids(campaigns, previous_campaigns.rename(
        columns={"campaign_id": "cluster_id"}), run_id, prefix="CP")
    campaigns = campaigns.rename(columns={"cluster_id": "campaign_id"})
    return Resolution(shared.identifiers, links, level.clusters, level.history, networks,
                      org_matches, shared.groups, pd.concat(operator_links, ignore_index=True),
                      campaigns, level.billing.model_json if level.billing else "",
                      level.billing)


# One operation answers to one parent. Where most of a cluster's accounts reach one parent, a
# parent that only a few of them reach came through a slip (a typo of the front's name that
# the registry matcher took for another company's name) and ties the cluster to no one: two
# accounts of 144 were enough to make two campaigns one.
PARENT_LEAD_SHARE = 0.5  # the share of a cluster's accounts that must reach its leading parent
PARENT_STRAY_SHARE = 0.05  # a parent this share of the cluster reaches or fewer is a slip


def without_stray_parents(parents: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    """``parents`` (account_id, kind, value) without the parents that only a few accounts of a
    cluster reach while most of its accounts reach another (``PARENT_LEAD_SHARE``,
    ``PARENT_STRAY_SHARE``)."""
    parents = parents.reset_index(drop=True)
    carried = parents.merge(clusters[["account_id", "anchor", "size"]], on="account_id",
                            how="left")
    carriers = carried.groupby(["anchor", "value"])["account_id"].transform("nunique")
    lead = carriers.groupby(carried["anchor"]).transform("max")
    size = carried["size"].astype("float64")
    # A stray share under the lead share makes the stray parent another than the leading one.
    stray = (lead >= PARENT_LEAD_SHARE * size) & (carriers <= PARENT_STRAY_SHARE * size)
    return parents[~stray.to_numpy()].reset_index(drop=True)


def add_parents(inputs: ResolutionInputs, shared: Shared, org_matches: pd.DataFrame,
                weights: LinkWeights, clusters: pd.DataFrame) -> None:
    """The parent each account's organisations lead to, as one more shared value (operator
    level), but for a cluster's stray parents (``without_stray_parents``), and the registry's
    names that different owners' companies share."""
    registry = name_owners(inputs)
    parents = without_stray_parents(
        parent_identifiers(inputs, org_matches, shared.groups, weights, registry), clusters)
    shared.identifiers = pd.concat([shared.identifiers, parents], ignore_index=True)
    shared.groups = pd.concat([shared.groups, value_groups(parents, shared.profiles, weights)],
                              ignore_index=True)
    shared.ambiguous = ambiguous_names(registry)


def resolve_campaigns(inputs: ResolutionInputs, shared: Shared, level: ClusterLevel,
                      judgements: AccountJudgements, weak: WeakValues, weights: LinkWeights,
                      networks: pd.DataFrame) -> tuple[list[pd.DataFrame], pd.DataFrame]:
    """The campaign-level links (as parts) and the campaigns they form, grown by their
    pieces, by the accounts that keep their schedule (``networks``: ``ip_networks``) and by the
    operations that keep the same one (``synchrony``)."""
    operator_links = [campaign_links(shared, level.hand_over_strong(), weights)]
    limit = giant_limit(len(inputs.accounts), weights.campaign_giant_share,
                        weights.giant_min_accounts)
    campaigns = form_campaigns(operator_links, judgements, shared, weights, limit)
    # Loose pieces (clusters and small groups no campaign took in) judged as wholes against
    # the campaigns found so far, and pieces whose whole footprint lies inside a larger
    # operation's, round after round: a piece placed makes its operation's footprint larger.
    campaigns = grow_campaigns(shared, campaigns, operator_links, judgements, weights, limit,
                               operator_networks(inputs.accounts, shared.profiles,
                                                 weights.coherence, networks))
    # Second pass at campaign level: an operation kept in pieces of 2-3 has no cluster big
    # enough to show its schedule, but its campaign has; pieces and loose accounts that keep
    # that schedule and share a weak trait with it join it.
    min_cluster = weights.attach["min_cluster"]
    large = campaigns[campaigns["size"].astype("int64") >= min_cluster]
    large = large.assign(cluster_id=large["anchor"])
    schedule = attach_mod.hot_buckets(large, inputs.usage_buckets, min_cluster)
    synchronised = attach_mod.attachment_links(large, inputs.usage_buckets, weak, weights,
                                               schedule)
    # Accounts whose requests come through the operation's own exits, on its schedule.
    through_exits = exit_schedule_links(inputs.usage_ips(), inputs.usage_buckets, large,
                                        len(inputs.accounts), weights.exits, min_cluster,
                                        schedule)
    # Operations driven by one scheduler: the parts of a fleet billed to different names.
    one_scheduler = synchronised_operation_links(large, schedule[0], weights.synchrony)
    moved = [frame for frame in (synchronised, through_exits, one_scheduler) if not frame.empty]
    if moved:
        operator_links.extend(moved)
        campaigns = form_campaigns(operator_links, judgements, shared, weights, limit)
    return operator_links, campaigns


def oversized_crowds(groups: pd.DataFrame, id_column: str, inputs: ResolutionInputs,
                     limit: int, weights: LinkWeights = DEFAULT_WEIGHTS) -> list[dict]:
    """Groups larger than ``limit`` whose accounts look like a crowd, not one operation: what
    hubs merging the world would produce (a large coherent campaign is not one of them)."""
    sizes = groups.groupby(id_column).size()
    big = sizes[sizes > limit]
    if big.empty:
        return []
    profiles = account_profiles(inputs.accounts, inputs.payments, inputs.usage_accounts,
                                inputs.usage_buckets)
    members = groups[groups[id_column].isin(big.index)].rename(columns={id_column: "group"})
    scores = group_coherence(members[["group", "account_id"]], profiles, weights.coherence)
    return [{id_column: g, "accounts": int(n), "coherence": float(scores.get(g, 0.0))}
            for g, n in big.items() if scores.get(g, 0.0) < weights.coherence.gate_low]
