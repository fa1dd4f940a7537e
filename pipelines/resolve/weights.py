"""How much each kind of shared identifier says about two accounts being one operator.

Weights are probabilities combined by noisy-OR; a link is *strong* when the combined score
reaches ``link_threshold``. ``max_group`` caps how many accounts may share one identifier before
it is a hub (a public mail domain, a NAT, a coworking address) that links nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class KindRule:
    weight: float
    max_group: int  # more accounts than this share the value: a hub, no pairs
    decay_from: int  # above this group size the weight falls linearly to 0 at max_group

    def weight_for(self, group_size: int) -> float:
        if group_size < 2 or group_size > self.max_group:
            return 0.0
        if group_size <= self.decay_from:
            return self.weight
        span = max(self.max_group - self.decay_from, 1)
        return round(self.weight * (self.max_group - group_size) / span, 4)


@dataclass(frozen=True)
class LinkWeights:
    # Identity evidence, shared values generate candidate pairs.
    identity: dict[str, KindRule] = field(default_factory=lambda: {
        "email": KindRule(0.95, 20, 5),
        "payment": KindRule(0.9, 40, 25),
        "phone": KindRule(0.9, 25, 10),
        "billing": KindRule(0.8, 40, 25),
        "email_domain": KindRule(0.5, 150, 60),
        "registrant": KindRule(0.45, 400, 200),
        "declared_org": KindRule(0.35, 150, 60),
        "signup_ip": KindRule(0.3, 30, 10),
    })
    # Weak evidence, scored only on candidate pairs found by something else.
    same_user_agent: float = 0.2
    common_user_agent_accounts: int = 2000  # a user agent this widespread says nothing
    shared_bin_prepaid: float = 0.2
    shared_usage_ip: float = 0.2
    shared_usage_ip_anonymised: float = 0.1  # through hosting, proxy or VPN exits
    usage_ip_max_accounts: int = 400
    coactivity_max: float = 0.7  # alone never enough; needs one more piece of evidence
    coactivity_min_jaccard: float = 0.3
    coactivity_min_buckets: int = 20
    link_threshold: float = 0.75
    # Second pass (attach.py): loose accounts active almost only in a cluster's hot buckets.
    attach_min_cluster: int = 10
    attach_min_share: float = 0.8
    attach_min_lift: float = 2.0
    shared_proxy_exit: float = 0.1
    # Giant-component guard: a component holding more than this share of all accounts (and at
    # least giant_min_accounts) is split by Louvain; the blocking check fails above it.
    giant_share: float = 0.10
    giant_min_accounts: int = 500
    hub_usage_types: tuple[str, ...] = ("mobile_carrier", "education", "hosting", "proxy")


DEFAULT_WEIGHTS = LinkWeights()
