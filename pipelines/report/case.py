"""The one place that turns the attribution's outputs into a :class:`~pipelines.report.model.Case`.

The case report, its PDF, the STIX export and the enforcement wording read only the ``Case``;
when the attribution tables change (a campaign level above clusters is coming), this module
alone follows. Everything here is read from the work folder: the attribution's tables, the
resolution's clusters and organisation matches, and the normalised sources with the landing
file and line of every row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from pipelines.attribute.attribution import (
    account_org_evidence,
    controlling_parent,
    ownership_chain,
)
from pipelines.attribute.config import AttributionConfig, ScoringConfig
from pipelines.investigate.specificity import hub_limit
from pipelines.paths import PipelinePaths
from pipelines.report import wording
from pipelines.report.indicators import campaign_indicators
from pipelines.report.model import (
    Account,
    Case,
    ClusterFinding,
    Evidence,
    Feature,
    Organisation,
    RiskBreakdown,
    Stake,
)
from pipelines.report.provenance import Provenance
from pipelines.tables import read_table, table_path

# Attributions below this confidence are listed as weak and never enforced. It should come from
# the attribution's configuration (AttributionConfig) once that has a threshold for action; the
# reliability table in the README (bench/calibration.py) is what it is chosen from.
ENFORCEMENT_CONFIDENCE = 0.8
# The label whose hub threshold judges each kind of attribution evidence
# (pipelines/investigate/specificity.py).
EVIDENCE_LABELS = {"billing_identity": "BillingIdentity", "email_domain_registrant": "Domain",
                   "email_domain_website": "Domain", "declared_organisation": "Organisation",
                   "partner_indicator": None}


@dataclass
class CaseTables:
    """The work-folder tables every case reads, loaded once."""

    attributions: pd.DataFrame
    scores: pd.DataFrame
    clusters: pd.DataFrame
    org_matches: pd.DataFrame
    accounts: pd.DataFrame
    payments: pd.DataFrame
    domains: pd.DataFrame
    organisations: pd.DataFrame
    ownership: pd.DataFrame
    partner_indicators: pd.DataFrame
    usage_days: pd.DataFrame
    usage_accounts: pd.DataFrame
    usage_ips: pd.DataFrame
    ip_intel: pd.DataFrame
    snapshot: dict

    @classmethod
    def from_paths(cls, paths: PipelinePaths) -> CaseTables:
        out = lambda n: read_table(paths, n)  # noqa: E731
        norm = lambda n: read_table(paths, f"normalised/{n}")  # noqa: E731
        partner = table_path(paths, "normalised/partner_indicators")
        # A case's unit is a campaign (clusters tied by operator-level evidence); the model
        # calls each unit a finding and keys it by its id.
        unit = {"campaign_id": "cluster_id"}
        return cls(
            attributions=out("attribution/attributions").rename(columns=unit),
            scores=out("attribution/scores").rename(columns=unit).set_index("cluster_id"),
            clusters=out("resolved/campaigns").rename(columns=unit),
            org_matches=out("resolved/org_matches"),
            accounts=norm("accounts"), payments=norm("payment_instruments"),
            domains=norm("domain_registrations"), organisations=norm("organisations"),
            ownership=norm("ownership"),
            partner_indicators=pd.read_parquet(partner) if partner.exists() else pd.DataFrame(
                columns=["indicator_type", "value", "partner", "confidence", "_file", "_line"]),
            usage_days=norm("usage_account_days"), usage_accounts=norm("usage_accounts"),
            usage_ips=norm("usage_account_ips"), ip_intel=norm("ip_intel"),
            snapshot=json.loads(paths.output("snapshot.json").read_text()),
        )


def parents(tables: CaseTables) -> list[str]:
    """Organisations ranked first for at least one campaign cluster."""
    return sorted(set(tables.attributions.loc[tables.attributions["rank"] == 1, "org_id"]))


def build_case(tables: CaseTables, org_id: str, threshold: float = ENFORCEMENT_CONFIDENCE,
               generated_at: datetime | None = None) -> Case:
    """The case against one parent: its clusters at or above ``threshold``, the weaker ones
    listed apart, the concrete evidence, ownership, counter-evidence and indicators."""
    top = tables.attributions[(tables.attributions["rank"] == 1)
                              & (tables.attributions["org_id"] == org_id)]
    findings = [_finding(tables, row) for row in top.itertuples()]
    strong = [f for f in findings if f.confidence >= threshold]
    weak = [f for f in findings if f.confidence < threshold]
    members = tables.clusters[tables.clusters["cluster_id"].isin({f.cluster_id for f in strong})]
    usage = tables.usage_accounts[tables.usage_accounts["account_id"].isin(members["account_id"])]
    orgs = _organisations(tables)
    evidence, hubs = _evidence(tables, members, org_id, orgs)
    confidence = min((f.confidence for f in strong), default=0.0)
    parent = orgs[org_id]
    run_id = tables.snapshot["run_id"]
    generated = generated_at or datetime.now(UTC)
    return Case(
        case_number=f"CASE-{org_id}-{run_id.removeprefix('snap-')[:8].upper()}",
        generated_at=generated.strftime("%Y-%m-%d %H:%M UTC"),
        pipeline_version=wording.pipeline_version(), run_id=run_id,
        input_files=tables.snapshot["files"], parent=parent,
        operating_entities=sorted({orgs[e.organisation_id] for e in evidence
                                   if e.organisation_id != org_id},
                                  key=lambda o: o.legal_name),
        clusters=strong, weak_clusters=weak, enforcement_threshold=threshold,
        accounts=_accounts(tables, members, usage), exchanges=int(usage["requests"].sum()),
        first_activity=str(usage["first_ts"].min())[:16] if len(usage) else "",
        last_activity=str(usage["last_ts"].max())[:16] if len(usage) else "",
        confidence=confidence,
        confidence_meaning=wording.confidence_meaning(confidence, strong),
        recommended_action=wording.recommended_action(parent, strong, weak, threshold,
                                                      len(members)),
        daily=_daily(tables, members), release_dates=list(ScoringConfig().release_dates),
        ownership=_stakes(tables, org_id, orgs),
        evidence=[e.evidence for e in evidence], hubs_left_out=hubs,
        counter_evidence=_counter_evidence(top, orgs, weak, threshold),
        indicators=campaign_indicators(members["account_id"], tables.accounts,
                                       tables.usage_ips, tables.ip_intel),
    )


def _organisations(tables: CaseTables) -> dict[str, Organisation]:
    frame = tables.organisations
    return {o: Organisation(o, str(n), str(c), f"{f} row {line}") for o, n, c, f, line in zip(
        frame["org_id"], frame["legal_name"], frame["country"], frame["_file"], frame["_line"],
        strict=True)}


def _finding(tables: CaseTables, row) -> ClusterFinding:
    score = tables.scores.loc[row.cluster_id]
    config = ScoringConfig()
    features = json.loads(score["features"])
    breakdown = RiskBreakdown(tuple(sorted(
        (Feature(name, wording.FEATURES.get(name, name), f["value"],
                 config.weights.get(name, 0.0), f["contribution"])
         for name, f in features.items()), key=lambda f: -f.contribution)),
        config.bias, float(score["risk_score"]))
    coverage_factor = min(1.0, 2 * float(row.coverage))
    return ClusterFinding(
        cluster_id=row.cluster_id, accounts=int(score["accounts"]),
        exchanges=int(score.get("requests", 0)), confidence=float(row.confidence),
        leader_share=round(float(row.confidence) / coverage_factor, 4) if coverage_factor else 0,
        coverage=float(row.coverage), risk=breakdown)


def _accounts(tables: CaseTables, members: pd.DataFrame, usage: pd.DataFrame) -> list[Account]:
    frame = members[["account_id", "cluster_id"]].merge(tables.accounts, on="account_id").merge(
        usage[["account_id", "requests"]], on="account_id", how="left")
    return [Account(a, c, str(t)[:16], str(s or ""), int(0 if pd.isna(r) else r),
                    str(e or ""), str(p or ""))
            for a, c, t, s, r, e, p in sorted(zip(
                frame["account_id"], frame["cluster_id"], frame["created_at"], frame["status"],
                frame["requests"], frame["email_key"], frame["phone_e164"], strict=True))]


def _daily(tables: CaseTables, members: pd.DataFrame) -> list[tuple[str, int]]:
    days = tables.usage_days[tables.usage_days["account_id"].isin(members["account_id"])]
    daily = days.groupby("day")["requests"].sum()
    return [(str(d)[:10], int(n)) for d, n in daily.items()]


@dataclass
class _Found:
    evidence: Evidence
    organisation_id: str


def _evidence(tables: CaseTables, members: pd.DataFrame, org_id: str,
              orgs: dict[str, Organisation]) -> tuple[list[_Found], int]:
    """Concrete evidence from the case's accounts to organisations whose controlling chain
    ends at the parent, one row per (kind, value, organisation); hubs counted and left out."""
    if members.empty:
        return [], 0
    scoped = members[["cluster_id", "account_id"]].rename(columns={"cluster_id": "group_id"}).merge(
        tables.accounts[["account_id", "email_domain"]], on="account_id")
    raw = account_org_evidence(scoped, tables.payments, tables.organisations, tables.org_matches,
                               tables.domains)
    controllers = controlling_parent(tables.ownership)
    chains = {o: ownership_chain(o, controllers) for o in raw["org_id"].unique()}
    raw = raw[raw["org_id"].map(lambda o: chains[o][-1] == org_id)]
    provenance = Provenance(tables)
    found, hubs = [], 0
    weights = AttributionConfig().evidence_weights
    for (kind, via_key, org), group in raw.assign(value_key=provenance.value_keys(raw)).groupby(
            ["kind", "value_key", "org_id"]):
        accounts = tuple(sorted(group["account_id"].unique()))
        sharing = provenance.accounts_sharing(kind, via_key)
        label = EVIDENCE_LABELS.get(kind)
        hub = label is not None and sharing > (hub_limit(label) or sharing)
        hub = hub or provenance.is_public_domain(kind, via_key)
        if hub:
            hubs += 1
            continue
        match = float(group["match_score"].mean())
        found.append(_Found(Evidence(
            kind=kind, kind_words=wording.EVIDENCE_KINDS.get(kind, kind),
            value=provenance.value_words(kind, via_key), organisation=orgs[org].label,
            chain=" → ".join(orgs[o].legal_name for o in chains[org]),
            accounts=accounts, accounts_sharing=sharing,
            match=provenance.match_words(kind, via_key, org, match),
            weight=round(weights.get(kind, 0.0) * match / 100, 4),
            support=0.0, sources=provenance.sources(kind, via_key, org, accounts)), org))
    found.extend(_partner_evidence(tables, members, provenance, orgs[org_id]))
    found.sort(key=lambda f: (-len(f.evidence.accounts) * f.evidence.weight, f.evidence.value))
    return found, hubs


def _partner_evidence(tables: CaseTables, members: pd.DataFrame, provenance: Provenance,
                      parent: Organisation) -> list[_Found]:
    """Partners' indicators that match the case's accounts (partner_indicators source, which
    ``attrib stix import`` extends with a partner's bundle)."""
    weight = AttributionConfig().evidence_weights["partner_indicator"]
    rows = []
    for hit in provenance.partner_hits(members["account_id"]):
        rows.append(_Found(Evidence(
            kind="partner_indicator", kind_words=wording.EVIDENCE_KINDS["partner_indicator"],
            value=f"{hit['indicator_type']} {hit['value']}", organisation=parent.label,
            chain=parent.legal_name, accounts=tuple(hit["accounts"]),
            accounts_sharing=hit["sharing"],
            match=f"shared by {hit['partner']}, partner confidence {hit['confidence']:.2f}",
            weight=round(weight * hit["confidence"], 4), support=0.0,
            sources=(hit["source"],)), parent.org_id))
    return rows


def _stakes(tables: CaseTables, org_id: str, orgs: dict[str, Organisation]) -> list[Stake]:
    """Every stake in the parent's tree: the controlling chain of each organisation it
    controls, and minority stakes the parent holds (reported, not climbed)."""
    controllers = controlling_parent(tables.ownership)
    tree = {c for c in controllers if ownership_chain(c, controllers)[-1] == org_id} | {org_id}
    own = tables.ownership
    rows = own[own["child_org_id"].isin(tree) | own["parent_org_id"].isin(tree)]
    name = lambda o: orgs[o].legal_name if o in orgs else o  # noqa: E731
    return [Stake(name(c), name(p), None if pd.isna(pct) else float(pct), str(rel), bool(ctl),
                  f"{src}, {f} row {line}")
            for c, p, pct, rel, ctl, src, f, line in zip(
                rows["child_org_id"], rows["parent_org_id"], rows["percentage"],
                rows["relationship"], rows["controls"], rows["source"], rows["_file"],
                rows["_line"], strict=True)]


def _counter_evidence(top: pd.DataFrame, orgs: dict[str, Organisation],
                      weak: list[ClusterFinding], threshold: float) -> list[str]:
    lines = []
    for record in top.itertuples():
        for item in json.loads(record.conflicting):
            lines.append(wording.conflict_sentence(record.cluster_id, item, orgs))
    lines.extend(f"Campaign {f.cluster_id} ({f.accounts} accounts) points at this parent with "
                 f"confidence {f.confidence:.2f}, below the {threshold:.2f} needed to act: it is "
                 "listed apart and not counted in this case." for f in weak)
    return sorted(set(lines), key=lines.index)
