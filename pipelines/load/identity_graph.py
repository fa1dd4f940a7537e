"""What goes into the graph: nodes and relationships built from the normalised tables and the
resolution, each carrying its provenance (source, first/last seen). The snapshot that built the
graph is the Run node; elements carry no run id, so an unchanged row is never rewritten."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.columns import among
from pipelines.investigate.captions import account_captions, ip_captions, organisation_short_name
from pipelines.load.delta import Element, distinct, node_element, relationship_element
from pipelines.load.statements import (
    COUNT_NODES,
    COUNT_RELATIONSHIPS,
    RECORD_RUN,
    RELATIONSHIP_ENDS,
)
from pipelines.load.writer import GraphWriter
from pipelines.resolve.pipeline import Resolution, ip_networks
from pipelines.resolve.weights import DEFAULT_WEIGHTS


@dataclass
class GraphInputs:
    accounts: pd.DataFrame
    payments: pd.DataFrame
    domains: pd.DataFrame
    ip_intel: pd.DataFrame
    organisations: pd.DataFrame
    ownership: pd.DataFrame
    usage_accounts: pd.DataFrame
    usage_ips: pd.DataFrame


# The resolution's tables the graph is built from (``cluster_elements``,
# ``organisation_elements``, ``write_run``).
GRAPH_RESOLUTION = ("links", "clusters", "campaigns", "org_matches", "history")

# Evidence provenance: the landing file and line every row came from (ingestion's _file and
# _line), kept on the nodes and relationships that evidence paths cite.
PROVENANCE = ["source_file", "source_row"]


def _with_provenance(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={"_file": "source_file", "_line": "source_row"})


def _accounts(inputs: GraphInputs) -> pd.DataFrame:
    usage = inputs.usage_accounts.rename(columns={"first_ts": "first_activity",
                                                  "last_ts": "last_activity"})
    frame = _with_provenance(inputs.accounts).merge(usage, on="account_id", how="left")
    frame["extraction_share"] = (frame["extraction_requests"] / frame["requests"]).round(4)
    frame["caption"] = account_captions(frame)
    return frame


def entity_elements(inputs: GraphInputs) -> list[Element]:
    """Identifier nodes, organisations and the relationships between them."""
    accounts = _accounts(inputs)
    payments = _with_provenance(inputs.payments)
    return [
        node_element("Account", accounts, "account_id", [
            "created_at", "display_name", "declared_country", "declared_org", "tier", "status",
            "requests", "input_tokens", "output_tokens", "extraction_share", "first_activity",
            "last_activity", "active_days", "max_day", "caption", *PROVENANCE],
            source="accounts"),
        node_element("Email", accounts, "email_key", [
            "email_public_provider", "email_disposable"], source="accounts"),
        node_element("Domain", _domains(inputs), "name", [
            "registrar", "registrant_org", "registrant_email_key", "registered_at",
            "public_provider", *PROVENANCE], source="accounts+domain_registrations"),
        node_element("Phone", accounts, "phone_e164", ["phone_type", "phone_valid"],
                     source="accounts"),
        node_element("PaymentInstrument", payments, "fingerprint", [
            "bin", "last4", "funding_type", "card_country"], source="payment_instruments"),
        node_element("BillingIdentity", payments, "billing_key", [
            "billing_name", "billing_address", "billing_country"], source="payment_instruments"),
        *_network_elements(inputs),
        node_element("Organisation", _organisations(inputs), "org_id", [
            "legal_name", "aliases", "aliases_text", "country", "registration_number",
            "website_domain", "name_key", "caption", *PROVENANCE], source="organisations"),
        node_element("UserAgent", accounts, "user_agent_key", ["user_agent"], source="accounts"),
        *_account_edges(accounts, inputs),
    ]


def _domains(inputs: GraphInputs) -> pd.DataFrame:
    used = inputs.accounts[["email_domain", "email_public_provider"]].dropna()
    used = used.rename(columns={"email_domain": "name", "email_public_provider":
                                "public_provider"}).drop_duplicates("name")
    registered = _with_provenance(inputs.domains).rename(columns={
        "registrable_domain": "reg_name", "created_at": "registered_at"})
    registered = registered.assign(name=registered["domain"])
    frame = pd.concat([registered, used]).drop_duplicates("name")
    # Domains only seen in emails have no registration row: integers, not floats with NaN.
    frame["source_row"] = [int(n) if pd.notna(n) else None for n in frame["source_row"]]
    return frame


def _organisations(inputs: GraphInputs) -> pd.DataFrame:
    frame = _with_provenance(inputs.organisations)
    frame["caption"] = frame["legal_name"].map(organisation_short_name)
    frame["aliases_text"] = frame["aliases"].fillna("").str.replace("|", " ", regex=False)
    frame["aliases"] = frame["aliases"].fillna("").map(lambda a: [x for x in a.split("|") if x])
    return frame


def _network_elements(inputs: GraphInputs) -> list[Element]:
    intel = inputs.ip_intel
    used = pd.Series(inputs.usage_ips["source_ip"].dropna().unique(), dtype=object)
    ips = pd.concat([inputs.accounts["signup_ip"].dropna(), used])
    networks = ip_networks(ips, intel, DEFAULT_WEIGHTS)
    asns = networks["cidr"].map(intel.drop_duplicates("cidr").set_index("cidr")["asn"])
    networks["asn"] = [int(a) if pd.notna(a) else None for a in asns]
    networks["caption"] = ip_captions(networks["ip"], networks["asn"])
    return [
        node_element("Prefix", intel, "cidr", [
            "asn", "as_org", "country", "usage_type", "is_hosting", "is_proxy", "is_vpn",
            "proxy_service"], source="ip_intel"),
        node_element("ASN", intel, "asn", ["as_org"], source="ip_intel"),
        node_element("ProxyService", intel, "proxy_service", [], source="ip_intel"),
        node_element("IPAddress", networks, "ip", [
            "cidr", "asn", "usage_type", "is_hub", "caption"], source="accounts+api_usage"),
        relationship_element("IN_PREFIX", networks, "ip", "cidr"),
        relationship_element("ANNOUNCED_BY", intel, "cidr", "asn"),
        relationship_element("EXIT_OF", intel, "cidr", "proxy_service"),
    ]


def _account_edges(accounts: pd.DataFrame, inputs: GraphInputs) -> list[Element]:
    payments = _with_provenance(inputs.payments).assign(first_seen=inputs.payments["added_at"])
    used = inputs.usage_ips.rename(columns={"first_ts": "first_seen", "last_ts": "last_seen"})
    return [
        relationship_element("HAS_EMAIL", accounts, "account_id", "email_key", ["email"],
                             source="accounts"),
        relationship_element("AT_DOMAIN", accounts, "email_key", "email_domain",
                             source="accounts"),
        relationship_element("HAS_PHONE", accounts, "account_id", "phone_e164", ["phone"],
                             source="accounts"),
        relationship_element("SIGNED_UP_FROM", accounts.assign(first_seen=accounts["created_at"]),
                             "account_id", "signup_ip", ["first_seen"], source="accounts"),
        relationship_element("USES_AGENT", accounts, "account_id", "user_agent_key",
                             source="accounts"),
        relationship_element("PAYS_WITH", payments, "account_id", "fingerprint",
                             ["first_seen", *PROVENANCE], source="payment_instruments"),
        relationship_element("BILLED_TO", payments, "fingerprint", "billing_key", PROVENANCE,
                             source="payment_instruments"),
        relationship_element("USED_IP", used, "account_id", "source_ip",
                             ["requests", "first_seen", "last_seen"], source="api_usage"),
    ]


def organisation_elements(inputs: GraphInputs, resolution: Resolution) -> list[Element]:
    matches = resolution.org_matches
    elements = [
        relationship_element(rel_type, matches[matches["subject_kind"] == kind], "subject",
                             "org_id", ["score", "method"], source="resolution")
        for kind, rel_type in (("account", "DECLARES"), ("billing", "NAMES"),
                               ("domain", "REGISTERED_BY"))
    ]
    orgs = inputs.organisations.dropna(subset=["website_domain"])
    return [*elements,
            relationship_element("WEBSITE_OF", orgs, "website_domain", "org_id",
                                 source="organisations"),
            relationship_element("OWNED_BY", _with_provenance(inputs.ownership), "child_org_id",
                                 "parent_org_id", ["percentage", "relationship", "controls",
                                                   "source", *PROVENANCE])]


def cluster_elements(resolution: Resolution, threshold: float) -> list[Element]:
    """Strong links with their evidence, clusters, campaigns and membership."""
    strong = strongest_links(resolution.links, threshold)
    clusters = resolution.clusters.drop_duplicates("cluster_id")
    campaigns = resolution.campaigns
    per_campaign = campaigns.groupby("campaign_id").agg(
        size=("account_id", "size"), anchor=("anchor", "first")).reset_index()
    part_of = resolution.clusters.merge(campaigns[["account_id", "campaign_id"]],
                                        on="account_id").drop_duplicates("cluster_id")
    return [
        relationship_element("LINKED_TO", strong, "a", "b", ["score", "kinds", "evidence"],
                             source="resolution"),
        node_element("Cluster", clusters, "cluster_id", ["size", "anchor"], source="resolution"),
        relationship_element("IN_CLUSTER", resolution.clusters, "account_id", "cluster_id",
                             source="resolution"),
        node_element("Campaign", per_campaign, "campaign_id", ["size", "anchor"],
                     source="resolution"),
        relationship_element("IN_CAMPAIGN", campaigns, "account_id", "campaign_id",
                             source="resolution"),
        relationship_element("PART_OF", part_of, "cluster_id", "campaign_id",
                             source="resolution"),
    ]


def strongest_links(links: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The links scoring at least ``threshold``, the strongest of each pair, in the resolution's
    order. The strongest is chosen on ids and scores, and the others are filtered out (rarely
    any): taking 4M whole rows in score order moves every evidence text, 25 s at a million
    accounts."""
    keep = links["score"].to_numpy() >= threshold
    strong = links if keep.all() else links[keep]
    ranked = strong[["a", "b", "score"]].reset_index(drop=True).sort_values(
        "score", ascending=False, kind="stable")
    strongest = np.zeros(len(strong), dtype=bool)
    strongest[distinct(ranked, ["a", "b"]).index.to_numpy()] = True
    return strong if strongest.all() else strong[strongest]


def graph_elements(inputs: GraphInputs, resolution: Resolution, threshold: float
                   ) -> list[Element]:
    """Everything the current input supports, each relationship kept only where both of its
    ends are nodes of the graph (so the manifest never records a relationship not written)."""
    elements = [*entity_elements(inputs), *organisation_elements(inputs, resolution),
                *cluster_elements(resolution, threshold)]
    keys = {e.kind: e.frame["_key"].drop_duplicates() for e in elements if e.is_node}
    for element in elements:
        if element.is_node:
            continue
        start, end = RELATIONSHIP_ENDS[element.kind]
        frame = element.frame
        element.frame = frame[among(frame["_source"], keys[start])
                              & among(frame["_target"], keys[end])].reset_index(drop=True)
    _count_sharing_accounts(elements)
    return elements


# How accounts reach each identifier in the graph: the relationship types from the account, one
# or two steps. An identifier's ``accounts_sharing`` is the number of distinct accounts at the
# end of any of its routes, counted here once per load so that the library queries read it
# instead of expanding a hub to its thousands of accounts every time they show one.
SHARING_ROUTES: dict[str, tuple[tuple[str, ...], ...]] = {
    "Email": (("HAS_EMAIL",),),
    "Domain": (("HAS_EMAIL", "AT_DOMAIN"),),
    "Phone": (("HAS_PHONE",),),
    "PaymentInstrument": (("PAYS_WITH",),),
    "BillingIdentity": (("PAYS_WITH", "BILLED_TO"),),
    "IPAddress": (("SIGNED_UP_FROM",), ("USED_IP",)),
    "UserAgent": (("USES_AGENT",),),
    "Organisation": (("DECLARES",),),
}


def _count_sharing_accounts(elements: list[Element]) -> None:
    """Add ``accounts_sharing`` to every identifier node (0 where no account reaches it)."""
    edges = {e.kind: e.frame[["_source", "_target"]] for e in elements if not e.is_node}
    for element in elements:
        routes = SHARING_ROUTES.get(element.kind) if element.is_node else None
        if routes is None:
            continue
        counts = accounts_reaching([_route_ends(edges, route) for route in routes])
        element.frame["accounts_sharing"] = (
            element.frame["_key"].map(counts).fillna(0).astype("int64"))
        element.props.append("accounts_sharing")


def accounts_reaching(routes: list[pd.DataFrame]) -> pd.Series:
    """How many distinct accounts (``_source``) reach each identifier (``_target``) over any of
    the routes' (account, identifier) pairs. Both columns are coded as categories of their
    values across the routes and each pair as one integer, so the distinct pairs are a sort of
    integers: the usage route's tens of millions of rows are never compared as text (hashing
    them as pairs took 30 s at a million accounts)."""
    common = {column: pd.CategoricalDtype(pd.concat(
        [pd.Series(r[column].unique(), dtype=object) for r in routes]).drop_duplicates())
        for column in ("_source", "_target")}
    targets = len(common["_target"].categories)
    # A pair's integer fits in 63 bits while accounts × identifiers stay below 9·10^18.
    pairs = np.sort(np.concatenate([
        r["_source"].astype(common["_source"]).cat.codes.to_numpy(dtype=np.int64) * targets
        + r["_target"].astype(common["_target"]).cat.codes.to_numpy(dtype=np.int64)
        for r in routes]))
    # Distinct by sorting: numpy's own unique hashes integers, ten times slower here.
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])] if len(pairs) else pairs
    counts = np.bincount(pairs % targets, minlength=targets)
    return pd.Series(counts, index=common["_target"].categories)


def _route_ends(edges: dict[str, pd.DataFrame], route: tuple[str, ...]) -> pd.DataFrame:
    """(account, identifier) pairs joined along the route's relationship types."""
    ends = edges[route[0]]
    for step in route[1:]:
        ends = ends.merge(edges[step].rename(columns={"_source": "_via"}),
                          left_on="_target", right_on="_via", suffixes=("", "_next"))
        ends = ends[["_source", "_target_next"]].rename(columns={"_target_next": "_target"})
    return ends


def write_run(writer: GraphWriter, history: pd.DataFrame, run_id: str, files: dict) -> None:
    """The snapshot's Run node and the cluster events this snapshot caused (``history``, the
    resolution's; only ever added to, so it is written whole rather than by difference)."""
    writer.run(RECORD_RUN, run_id=run_id, files=json.dumps(files, sort_keys=True))
    events = history.fillna({"other_cluster_id": ""})
    events = events.assign(event_id=events["run_id"] + "|" + events["cluster_id"] + "|"
                           + events["event"] + "|" + events["other_cluster_id"], run=run_id)
    event_nodes = node_element("ClusterEvent", events, "event_id", [
        "cluster_id", "event", "other_cluster_id", "accounts", "run_id"])
    writer.nodes("ClusterEvent", event_nodes.rows())
    writer.relationships("RECORDED", relationship_element(
        "RECORDED", events, "run", "event_id", source="resolution").rows())


def count_graph(writer: GraphWriter) -> dict[str, int]:
    return {"nodes": writer.run(COUNT_NODES)[0]["nodes"],
            "relationships": writer.run(COUNT_RELATIONSHIPS)[0]["relationships"]}
