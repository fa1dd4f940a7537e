"""The case: everything a case report, its PDF, the STIX export and the enforcement wording
show, as plain data. Only ``pipelines/report/case.py`` builds it from the attribution's tables,
so that when those tables change only that module follows."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Organisation:
    org_id: str
    legal_name: str
    country: str
    source: str = ""  # landing file and row

    @property
    def label(self) -> str:
        return f"{self.legal_name} ({self.org_id}, {self.country})"


@dataclass(frozen=True)
class Feature:
    name: str
    words: str  # what the feature means, in words
    value: float  # in [0, 1]
    weight: float
    contribution: float  # value × weight


@dataclass(frozen=True)
class RiskBreakdown:
    """risk = 1 / (1 + exp(-(bias + Σ contributions))): every number shown adds up."""

    features: tuple[Feature, ...]
    bias: float
    risk_score: float

    @property
    def total(self) -> float:
        return round(sum(f.contribution for f in self.features), 4)

    @property
    def logit(self) -> float:
        return round(self.bias + self.total, 4)


@dataclass(frozen=True)
class ClusterFinding:
    cluster_id: str
    accounts: int
    exchanges: int
    confidence: float
    leader_share: float  # the parent's share of all support among candidates
    coverage: float  # share of the cluster's accounts that the evidence covers
    risk: RiskBreakdown


@dataclass(frozen=True)
class Evidence:
    """One concrete piece of evidence tying the campaign's accounts to an organisation."""

    kind: str  # billing_identity, email_domain_registrant, ..., partner_indicator
    kind_words: str
    value: str  # the concrete value: normalised billing name, domain, declared name, ...
    organisation: str  # the organisation it reaches (label)
    chain: str  # from that organisation up to the parent
    accounts: tuple[str, ...]  # the campaign's accounts it involves
    accounts_sharing: int  # accounts in the whole data set sharing the value
    match: str  # how the name matched, in words ("exact key, 100/100")
    weight: float  # how much one account's evidence of this kind counts (kind × match)
    support: float  # its contribution to the parent's support
    sources: tuple[str, ...]  # "payment_instruments.csv row 12", ...
    hub: bool = False


@dataclass(frozen=True)
class Stake:
    owned: str
    owner: str
    percentage: float | None
    relationship: str
    controls: bool
    source: str


@dataclass(frozen=True)
class Account:
    account_id: str
    cluster_id: str
    created_at: str
    status: str
    exchanges: int
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Indicator:
    """A network or client indicator the campaign used (for sharing with partners)."""

    kind: str  # ip, cidr, proxy_exit, domain, user_agent, request_fingerprint
    value: str
    accounts: int
    detail: str = ""


@dataclass
class Case:
    case_number: str
    generated_at: str
    pipeline_version: str
    run_id: str
    input_files: dict[str, str]
    parent: Organisation
    operating_entities: list[Organisation]
    clusters: list[ClusterFinding]  # at or above the enforcement threshold: the case
    weak_clusters: list[ClusterFinding]  # below it: listed, never counted or enforced
    enforcement_threshold: float
    accounts: list[Account]  # of the case's clusters only
    exchanges: int
    first_activity: str
    last_activity: str
    confidence: float
    confidence_meaning: str
    recommended_action: str
    daily: list[tuple[str, int]]  # (day, exchanges)
    release_dates: list[str]
    ownership: list[Stake]
    evidence: list[Evidence]
    hubs_left_out: int
    counter_evidence: list[str]
    indicators: list[Indicator] = field(default_factory=list)

    @property
    def account_ids(self) -> list[str]:
        return [a.account_id for a in self.accounts]

    @property
    def enforcement_rows(self) -> list[dict]:
        """The accounts to suspend, each with the reason in words."""
        reason = (f"case {self.case_number}: attributed to {self.parent.legal_name} "
                  f"({self.parent.org_id}) with confidence {self.confidence:.2f}")
        return [{"account_id": a.account_id, "cluster_id": a.cluster_id,
                 "case_number": self.case_number, "attributed_parent": self.parent.org_id,
                 "confidence": self.confidence, "reason": reason} for a in self.accounts]
