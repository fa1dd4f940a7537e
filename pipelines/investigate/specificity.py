"""How much a shared identifier says: its evidence weight and whether it is a hub, by the
resolver's own rules (``pipelines/resolve/weights.py``), so that the queries, the explanation
and the reports judge an identifier exactly as the resolver did.

The graph labels of identifiers map to the resolver's kinds of evidence. A value shared by more
accounts than the kind's ``max_group`` is a *hub* (a public mail domain, a NAT, a coworking
address): it links nobody and is hidden unless asked for. Identifier nodes the loader flags as
hub networks (``IPAddress.is_hub``: carrier, campus, cloud, proxy) and public mail domains are
hubs whatever their size.

The rules travel to Cypher as one map parameter, ``$evidence_rules`` (label → weight,
max_group, decay_from), filled in by ``attrib query`` and pasted into Browser by the guide.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.resolve.weights import DEFAULT_WEIGHTS, LinkWeights

# Graph label of an identifier node → the resolver's kind of evidence that judges it.
LABEL_KINDS = {
    "Email": "email",
    "Phone": "phone",
    "PaymentInstrument": "payment",
    "BillingIdentity": "billing",
    "IPAddress": "signup_ip",
    "Domain": "email_domain",
    "Organisation": "declared_org",
    "UserAgent": "user_agent",
}


@dataclass(frozen=True)
class SizeRule:
    """The part of the resolver's rule a query can check from the graph alone: full weight up
    to ``decay_from`` accounts, falling to nothing at ``max_group``. (The resolver also keeps a
    larger group whose accounts look like one operator; the queries, which do not see
    coherence, show such a group as a hub unless asked to show hubs.)"""

    weight: float
    max_group: int
    decay_from: int

    def weight_for(self, accounts: int) -> float:
        if accounts < 2 or accounts > self.max_group:
            return 0.0
        if accounts <= self.decay_from:
            return self.weight
        span = max(self.max_group - self.decay_from, 1)
        return round(self.weight * (self.max_group - accounts) / span, 4)


def label_rules(weights: LinkWeights = DEFAULT_WEIGHTS) -> dict[str, SizeRule]:
    """The size rule for each identifier label, from the kind's weight and ``small`` size at
    the level where it counts (cluster for identity kinds, campaign for operator kinds; weak
    traits keep their flat weight up to their cap)."""
    rules = {}
    for label, kind in LABEL_KINDS.items():
        if kind in weights.weak:
            rule = weights.weak[kind]
            cap = int(rule["max_accounts"])
            rules[label] = SizeRule(float(rule["weight"]), cap, cap)
            continue
        rule = weights.identity.get(kind) or weights.campaign_kinds[kind]
        rules[label] = SizeRule(rule.weight, 2 * rule.small, rule.small)
    return rules


def evidence_rules(weights: LinkWeights = DEFAULT_WEIGHTS) -> dict[str, dict[str, float]]:
    """The rules as the ``$evidence_rules`` map parameter of the library queries."""
    return {label: {"weight": rule.weight, "max_group": rule.max_group,
                    "decay_from": rule.decay_from}
            for label, rule in sorted(label_rules(weights).items())}


def hub_limit(label: str, weights: LinkWeights = DEFAULT_WEIGHTS) -> int | None:
    """How many accounts may share an identifier of this label before it is a hub."""
    rule = label_rules(weights).get(label)
    return rule.max_group if rule else None


def weight_for(label: str, accounts: int, weights: LinkWeights = DEFAULT_WEIGHTS) -> float:
    """The weight the resolver gives a value of this label shared by ``accounts`` accounts."""
    rule = label_rules(weights).get(label)
    return rule.weight_for(accounts) if rule else 0.0


def is_hub(label: str, accounts: int, flagged: bool = False,
           weights: LinkWeights = DEFAULT_WEIGHTS) -> bool:
    """A hub: shared by more accounts than the label's limit, or flagged as a hub network or a
    public mail provider by the loader."""
    limit = hub_limit(label, weights)
    return flagged or (limit is not None and accounts > limit)
