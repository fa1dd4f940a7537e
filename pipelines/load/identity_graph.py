"""What goes into the graph: nodes and relationships built from the normalised tables and the
resolution, each carrying its provenance (source, first/last seen, run id)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from pipelines.load.statements import (
    COUNT_NODES,
    COUNT_RELATIONSHIPS,
    RECORD_RUN,
    SWEEP_CLUSTERS,
    SWEEP_RELATIONSHIPS,
)
from pipelines.load.writer import GraphWriter, node_rows, relationship_rows
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


def _accounts(inputs: GraphInputs) -> pd.DataFrame:
    usage = inputs.usage_accounts.rename(columns={"first_ts": "first_activity",
                                                  "last_ts": "last_activity"})
    frame = inputs.accounts.merge(usage, on="account_id", how="left")
    frame["extraction_share"] = (frame["extraction_requests"] / frame["requests"]).round(4)
    return frame


def write_entities(writer: GraphWriter, inputs: GraphInputs, resolution: Resolution,
                   run_id: str) -> None:
    """Identifier nodes first (they have no dependencies), then the relationships between them."""
    p = {"run_id": run_id}
    accounts = _accounts(inputs)
    writer.nodes("Account", node_rows(accounts, "account_id", [
        "created_at", "display_name", "declared_country", "declared_org", "tier", "status",
        "requests", "input_tokens", "output_tokens", "extraction_share", "first_activity",
        "last_activity", "active_days", "max_day"], source="accounts", **p))
    writer.nodes("Email", node_rows(accounts, "email_key", [
        "email_public_provider", "email_disposable"], source="accounts", **p))
    writer.nodes("Domain", node_rows(_domains(inputs), "name", [
        "registrar", "registrant_org", "registrant_email_key", "registered_at",
        "public_provider"], source="accounts+domain_registrations", **p))
    writer.nodes("Phone", node_rows(accounts, "phone_e164", ["phone_type", "phone_valid"],
                                    source="accounts", **p))
    payments = inputs.payments
    writer.nodes("PaymentInstrument", node_rows(payments, "fingerprint", [
        "bin", "last4", "funding_type", "card_country"], source="payment_instruments", **p))
    writer.nodes("BillingIdentity", node_rows(payments, "billing_key", [
        "billing_name", "billing_address", "billing_country"], source="payment_instruments", **p))
    _write_network(writer, inputs, resolution, p)
    writer.nodes("Organisation", node_rows(_organisations(inputs), "org_id", [
        "legal_name", "aliases", "aliases_text", "country", "registration_number",
        "website_domain", "name_key"], source="organisations", **p))
    writer.nodes("UserAgent", node_rows(accounts, "user_agent_key", ["user_agent"],
                                        source="accounts", **p))
    _write_account_edges(writer, accounts, inputs, p)
    _write_org_edges(writer, inputs, resolution, p)


def _domains(inputs: GraphInputs) -> pd.DataFrame:
    used = inputs.accounts[["email_domain", "email_public_provider"]].dropna()
    used = used.rename(columns={"email_domain": "name", "email_public_provider":
                                "public_provider"}).drop_duplicates("name")
    registered = inputs.domains.rename(columns={"registrable_domain": "reg_name",
                                                "created_at": "registered_at"})
    registered = registered.assign(name=registered["domain"])
    return pd.concat([registered, used]).drop_duplicates("name")


def _organisations(inputs: GraphInputs) -> pd.DataFrame:
    frame = inputs.organisations.copy()
    frame["aliases_text"] = frame["aliases"].fillna("").str.replace("|", " ", regex=False)
    frame["aliases"] = frame["aliases"].fillna("").map(lambda a: [x for x in a.split("|") if x])
    return frame


def _write_network(writer: GraphWriter, inputs: GraphInputs, resolution: Resolution,
                   p: dict) -> None:
    intel = inputs.ip_intel
    ips = pd.concat([inputs.accounts["signup_ip"], inputs.usage_ips["source_ip"]]).dropna()
    networks = ip_networks(ips, intel, DEFAULT_WEIGHTS)
    writer.nodes("Prefix", node_rows(intel, "cidr", [
        "asn", "as_org", "country", "usage_type", "is_hosting", "is_proxy", "is_vpn",
        "proxy_service"], source="ip_intel", **p))
    writer.nodes("ASN", node_rows(intel, "asn", ["as_org"], source="ip_intel", **p))
    writer.nodes("ProxyService", node_rows(intel, "proxy_service", [], source="ip_intel", **p))
    writer.nodes("IPAddress", node_rows(networks, "ip", ["cidr", "usage_type", "is_hub"],
                                        source="accounts+api_usage", **p))
    writer.relationships("IN_PREFIX", relationship_rows(networks, "ip", "cidr", **p))
    writer.relationships("ANNOUNCED_BY", relationship_rows(intel, "cidr", "asn", **p))
    writer.relationships("EXIT_OF", relationship_rows(intel, "cidr", "proxy_service", **p))


def _write_account_edges(writer: GraphWriter, accounts: pd.DataFrame, inputs: GraphInputs,
                         p: dict) -> None:
    writer.relationships("HAS_EMAIL", relationship_rows(
        accounts, "account_id", "email_key", ["email"], source="accounts", **p))
    writer.relationships("AT_DOMAIN", relationship_rows(accounts, "email_key", "email_domain",
                                                        source="accounts", **p))
    writer.relationships("HAS_PHONE", relationship_rows(
        accounts, "account_id", "phone_e164", ["phone"], source="accounts", **p))
    writer.relationships("SIGNED_UP_FROM", relationship_rows(
        accounts.assign(first_seen=accounts["created_at"]), "account_id", "signup_ip",
        ["first_seen"], source="accounts", **p))
    writer.relationships("USES_AGENT", relationship_rows(
        accounts, "account_id", "user_agent_key", source="accounts", **p))
    payments = inputs.payments.assign(first_seen=inputs.payments["added_at"])
    writer.relationships("PAYS_WITH", relationship_rows(
        payments, "account_id", "fingerprint", ["first_seen"], source="payment_instruments", **p))
    writer.relationships("BILLED_TO", relationship_rows(
        payments, "fingerprint", "billing_key", source="payment_instruments", **p))
    used = inputs.usage_ips.rename(columns={"first_ts": "first_seen", "last_ts": "last_seen"})
    writer.relationships("USED_IP", relationship_rows(
        used, "account_id", "source_ip", ["requests", "first_seen", "last_seen"],
        source="api_usage", **p))


def _write_org_edges(writer: GraphWriter, inputs: GraphInputs, resolution: Resolution,
                     p: dict) -> None:
    matches = resolution.org_matches
    for kind, rel_type in (("account", "DECLARES"), ("billing", "NAMES"),
                           ("domain", "REGISTERED_BY")):
        part = matches[matches["subject_kind"] == kind]
        writer.relationships(rel_type, relationship_rows(
            part, "subject", "org_id", ["score", "method"], source="resolution", **p))
    orgs = inputs.organisations.dropna(subset=["website_domain"])
    writer.relationships("WEBSITE_OF", relationship_rows(orgs, "website_domain", "org_id",
                                                         source="organisations", **p))
    writer.relationships("OWNED_BY", relationship_rows(
        inputs.ownership, "child_org_id", "parent_org_id",
        ["percentage", "relationship", "controls", "source"], **p))


def write_clusters(writer: GraphWriter, resolution: Resolution, threshold: float,
                   run_id: str) -> None:
    """Strong links with their evidence, clusters and membership."""
    p = {"run_id": run_id}
    strong = resolution.links[resolution.links["score"] >= threshold]
    writer.relationships("LINKED_TO", relationship_rows(
        strong, "a", "b", ["score", "kinds", "evidence"], source="resolution", **p))
    clusters = resolution.clusters.drop_duplicates("cluster_id")
    writer.nodes("Cluster", node_rows(clusters, "cluster_id", ["size", "anchor"],
                                      source="resolution", **p))
    writer.relationships("IN_CLUSTER", relationship_rows(
        resolution.clusters, "account_id", "cluster_id", source="resolution", **p))


def write_run(writer: GraphWriter, resolution: Resolution, run_id: str, files: dict) -> None:
    """The snapshot's Run node and the cluster events this snapshot caused."""
    writer.run(RECORD_RUN, run_id=run_id, files=json.dumps(files, sort_keys=True))
    events = resolution.history.fillna({"other_cluster_id": ""})
    events = events.assign(event_id=events["run_id"] + "|" + events["cluster_id"] + "|"
                           + events["event"] + "|" + events["other_cluster_id"])
    writer.nodes("ClusterEvent", node_rows(events, "event_id", [
        "cluster_id", "event", "other_cluster_id", "accounts"], run_id=run_id))
    writer.relationships("RECORDED", relationship_rows(
        events.assign(run=run_id), "run", "event_id", source="resolution", run_id=run_id))


def sweep_and_count(writer: GraphWriter, run_id: str) -> dict[str, int]:
    """Remove what only an earlier input snapshot supported; return node/relationship counts."""
    with writer.driver.session(database=writer.database) as session:
        session.run(SWEEP_RELATIONSHIPS, run_id=run_id).consume()
    writer.run(SWEEP_CLUSTERS, run_id=run_id)
    nodes = writer.run(COUNT_NODES)[0]["nodes"]
    relationships = writer.run(COUNT_RELATIONSHIPS)[0]["relationships"]
    return {"nodes": nodes, "relationships": relationships}
