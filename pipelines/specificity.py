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

from pipelines.resolve.weights import DEFAULT_WEIGHTS, KindRule, LinkWeights

# Graph label of an identifier node → the resolver's identity kind that judges it.
LABEL_KINDS = {
    "Email": "email",
    "Phone": "phone",
    "PaymentInstrument": "payment",
    "BillingIdentity": "billing",
    "Domain": "email_domain",
}


def label_rules(weights: LinkWeights = DEFAULT_WEIGHTS) -> dict[str, KindRule]:
    """The rule for each identifier label. User agents and IP addresses are weak evidence in the
    resolver (a flat weight up to a size cap), written here as rules without decay; an
    organisation reached by a declared name is judged by the ``declared_org`` rule."""
    rules = {label: weights.identity[kind] for label, kind in LABEL_KINDS.items()}
    rules["Organisation"] = weights.identity["declared_org"]
    agents = weights.common_user_agent_accounts
    rules["UserAgent"] = KindRule(weights.same_user_agent, agents, agents)
    ips = weights.usage_ip_max_accounts
    rules["IPAddress"] = KindRule(weights.shared_usage_ip, ips, ips)
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
