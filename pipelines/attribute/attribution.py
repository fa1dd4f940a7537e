"""Attribution of campaign clusters to ultimate parent organisations.

Evidence paths run from a cluster's accounts to registry organisations (billing identity, email
domain registrant or website, declared organisation). Organisations that are intermediaries (a
proxy or hosting provider whose exits the campaign used) are seen through: their evidence is kept
as such but never makes them a candidate. Support then climbs controlling ownership (majority
stakes, subsidiaries, branches), level by level, to the ultimate parent; minority stakes are
reported, not climbed. Candidates are ranked by support; confidence is the leader's share of all
support times how much of the cluster the evidence covers.
"""

from __future__ import annotations

import json

import pandas as pd

from pipelines.attribute.config import AttributionConfig

EVIDENCE_COLUMNS = ["group_id", "account_id", "kind", "org_id", "via", "match_score"]


def registrant_websites(members: pd.DataFrame, domains: pd.DataFrame,
                        organisations: pd.DataFrame, hub_registrants: set[str]) -> pd.DataFrame:
    """Account → the organisation whose website is the domain of the email that registered the
    account's mail domain (the registrant organisation field is often blank; the registrant's
    own address is not). Registrants that are hubs (a privacy service registering for everyone)
    are no route."""
    registered = domains[["registrable_domain", "registrant_email_key"]].dropna()
    registered = registered[~registered["registrant_email_key"].isin(hub_registrants)]
    registered = registered.assign(
        registrant_domain=registered["registrant_email_key"].str.split("@").str[-1])
    sites = organisations[["org_id", "website_domain"]].dropna()
    frame = members[["group_id", "account_id", "email_domain"]].merge(
        registered, left_on="email_domain", right_on="registrable_domain").merge(
        sites, left_on="registrant_domain", right_on="website_domain")
    return frame.assign(kind="registrant_email_website", score=100.0,
                        via=frame["registrant_email_key"])


def account_org_evidence(members: pd.DataFrame, payments: pd.DataFrame,
                         organisations: pd.DataFrame, org_matches: pd.DataFrame,
                         domains: pd.DataFrame | None = None,
                         hub_registrants: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Every (account, organisation) evidence path, with the identifier it runs through."""
    by_kind = {k: g for k, g in org_matches.groupby("subject_kind")}
    parts = []
    declared = by_kind.get("account")
    if declared is not None:
        parts.append(members[["group_id", "account_id"]].merge(
            declared, left_on="account_id", right_on="subject").assign(
            kind="declared_organisation", via=lambda f: f["account_id"]))
    billing = by_kind.get("billing")
    if billing is not None:
        paid = payments[["account_id", "billing_key"]].dropna().merge(
            members[["group_id", "account_id"]], on="account_id")
        parts.append(paid.merge(billing, left_on="billing_key", right_on="subject").assign(
            kind="billing_identity", via=lambda f: f["billing_key"]))
    registrant = by_kind.get("domain")
    if registrant is not None:
        parts.append(members[["group_id", "account_id", "email_domain"]].merge(
            registrant, left_on="email_domain", right_on="subject").assign(
            kind="email_domain_registrant", via=lambda f: f["email_domain"]))
    sites = organisations[["org_id", "website_domain"]].dropna()
    parts.append(members[["group_id", "account_id", "email_domain"]].merge(
        sites, left_on="email_domain", right_on="website_domain").assign(
        kind="email_domain_website", via=lambda f: f["email_domain"], score=100.0))
    if domains is not None and len(domains):
        parts.append(registrant_websites(members, domains, organisations, set(hub_registrants)))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if frame.empty:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    frame = frame.rename(columns={"score": "match_score"})
    return frame[EVIDENCE_COLUMNS].drop_duplicates()


def intermediaries(organisations: pd.DataFrame, ip_intel: pd.DataFrame,
                   org_name_keys: pd.DataFrame) -> set[str]:
    """Organisations that run proxy exits or hosting networks: carriers, not operators."""
    from pipelines.normalise.names import org_name_key

    names = set(ip_intel["proxy_service"].dropna()) | set(
        ip_intel.loc[ip_intel["is_hosting"] | ip_intel["is_proxy"] | ip_intel["is_vpn"],
                     "as_org"].dropna())
    keys = {org_name_key(n) for n in names} - {None}
    return set(org_name_keys.loc[org_name_keys["name_key"].isin(keys), "org_id"])


def controlling_parent(ownership: pd.DataFrame) -> dict[str, str]:
    """child → the organisation that controls it (largest controlling stake)."""
    control = ownership[ownership["controls"]].sort_values(
        ["child_org_id", "percentage"], ascending=[True, False])
    return dict(control.drop_duplicates("child_org_id")[["child_org_id",
                                                          "parent_org_id"]].values)


def ownership_chain(org_id: str, parents: dict[str, str]) -> list[str]:
    """org, its controller, that one's controller ... up to the ultimate parent."""
    chain = [org_id]
    while chain[-1] in parents and parents[chain[-1]] not in chain:
        chain.append(parents[chain[-1]])
    return chain


def attribute(evidence: pd.DataFrame, group_sizes: pd.Series, ownership: pd.DataFrame,
              excluded: set[str], config: AttributionConfig) -> pd.DataFrame:
    """Ranked candidates per cluster with confidence, evidence paths and conflicting evidence."""
    parents = controlling_parent(ownership)
    minority = ownership[~ownership["controls"]]
    rows = []
    for group_id, group in evidence.groupby("group_id"):
        rows.extend(_rank_group(group_id, group, int(group_sizes[group_id]), parents,
                                  minority, excluded, config))
    return pd.DataFrame(rows, columns=["group_id", "org_id", "rank", "confidence", "support",
                                       "coverage", "evidence_paths", "conflicting"])


def _rank_group(group_id, group, size, parents, minority, excluded, config) -> list[tuple]:
    weights = config.evidence_weights
    usable = group[~group["org_id"].isin(excluded)]
    seen_through = group[group["org_id"].isin(excluded)]
    per_org = usable.groupby(["org_id", "kind"]).agg(
        accounts=("account_id", "nunique"), match=("match_score", "mean")).reset_index()
    per_org["support"] = (per_org["kind"].map(weights).fillna(0) * per_org["accounts"] / size
                          * per_org["match"] / 100)
    candidates: dict[str, dict] = {}
    for org_id, org_rows in per_org.groupby("org_id"):
        chain = ownership_chain(org_id, parents)
        top = candidates.setdefault(chain[-1], {"support": 0.0, "paths": []})
        top["support"] += float(org_rows["support"].sum())
        top["paths"].append({"via_org": org_id, "chain": chain, "evidence": [
            {"kind": k, "accounts": int(n), "match": round(float(m), 1)}
            for k, n, m in zip(org_rows["kind"], org_rows["accounts"], org_rows["match"],
                               strict=True)]})
    if not candidates:
        return []
    total = sum(c["support"] for c in candidates.values())
    coverage = usable["account_id"].nunique() / size
    ranked = sorted(candidates.items(), key=lambda kv: (-kv[1]["support"], kv[0]))
    conflicting = [{"intermediary": o, "accounts": int(n)} for o, n in
                   seen_through.groupby("org_id")["account_id"].nunique().items()]
    rows = []
    for rank, (org_id, data) in enumerate(ranked[:config.top_candidates], start=1):
        confidence = data["support"] / total * min(1.0, 2 * coverage)
        stakes = minority[minority["child_org_id"].isin(
            {p["via_org"] for p in data["paths"]} | {org_id})]
        extra = [{"minority_owner": p, "of": c, "percentage": float(pct)} for c, p, pct in
                 zip(stakes["child_org_id"], stakes["parent_org_id"], stakes["percentage"],
                     strict=True)]
        rows.append((group_id, org_id, rank, round(confidence, 4), round(data["support"], 4),
                     round(coverage, 4), json.dumps(data["paths"], ensure_ascii=False),
                     json.dumps(conflicting + extra + _rivals(ranked, org_id))))
    return rows


def _rivals(ranked: list, org_id: str) -> list[dict]:
    return [{"competing_candidate": o, "support": round(d["support"], 4)}
            for o, d in ranked if o != org_id][:3]
