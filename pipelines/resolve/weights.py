"""How much each kind of shared evidence says about two accounts being one operator, read from
``schemas/reference/resolution.yaml`` (one file, hashed into the run's snapshot).

Weights are probabilities combined by noisy-OR. A shared value counts in full while few accounts
share it; beyond ``small`` accounts it counts only as far as those accounts look like one operator
(their coherence, see coherence.py) or, failing that, in inverse proportion to the group's size:
a campus NAT and a campaign's registrant email can both cover thousands of accounts, and only the
first is a crowd.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from pipelines.settings import PROJECT_ROOT

CONFIG_FILE = PROJECT_ROOT / "schemas" / "reference" / "resolution.yaml"


@dataclass(frozen=True)
class KindRule:
    weight: float
    small: int  # up to this many accounts the value counts in full

    def weight_for(self, group_size: int, gate: float = 0.0, trust: float = 1.0,
                   surprise: float = 1.0) -> float:
        """The value's weight for a group of ``group_size`` accounts whose coherence gate
        (0 for a crowd, 1 for one operator) is ``gate``. Beyond ``small`` accounts the weight
        falls with the group's size, and further with ``trust`` (how far its coherence is from
        a crowd's: 0 for a measured crowd, 1 when unmeasured or near the gate); ``surprise``
        is the share of the group that chance does not explain (a common name's namesakes)."""
        if group_size < 2:
            return 0.0
        by_size = 1.0 if group_size <= self.small else self.small / group_size * trust
        return round(self.weight * max(by_size * surprise, gate), 4)


@dataclass(frozen=True)
class CoherenceRules:
    gate_low: float
    gate_high: float
    min_group: int
    traits: dict[str, float]
    decimals: int = 2  # the scale scores are kept on (resolution.yaml says why)

    def trust(self, coherence: float, measured: bool) -> float:
        """1 for an unmeasured group; for a measured one, its coherence as a share of
        ``gate_low`` (a group that looks like a crowd is trusted like one)."""
        return 1.0 if not measured else min(1.0, max(0.0, coherence / self.gate_low))

    def gate(self, coherence: float) -> float:
        """0 below ``gate_low``, 1 above ``gate_high``, linear between."""
        span = max(self.gate_high - self.gate_low, 1e-9)
        return min(1.0, max(0.0, (coherence - self.gate_low) / span))


@dataclass(frozen=True)
class BurstRules:
    """Account-creation bursts (bursts.py)."""

    rate_factor: float  # a run lasts while sign-ups come this many times faster than usual
    max_p: float  # chance that a run this dense comes from the baseline rate (corrected)
    min_accounts: int  # smaller runs say too little to be held by an operation
    min_likelihood_ratio: float  # the account's profile: the operation's against the population


@dataclass(frozen=True)
class ExitRules:
    """Accounts run through an operation's exits and on its schedule (exits.py)."""

    min_share: float  # of the account's requests, through exits the operation holds
    min_members: int  # an exit is held when the operation's members are most of its users
    min_lift: float  # activity in the operation's hot buckets, against their density
    max_p: float  # chance of that much activity there at their density (corrected)
    weight: float  # the link's score at campaign level


@dataclass(frozen=True)
class SynchronyRules:
    """Formed operations that keep one schedule (synchrony.py)."""

    min_common: int  # busy buckets the two operations share
    min_share: float  # of the smaller operation's busy buckets
    min_lift: float  # against the most they share with one shifted by whole days
    shift_days: int  # the shifts tried: 1 to this many days, either way
    min_days: int  # days the two keep in step
    min_day_share: float  # of the days both are busy
    weight: float  # the link's score at campaign level


@dataclass(frozen=True)
class ParentConflictRules:
    """Parts answering to different parents, tied through soft kinds alone (cluster.py)."""

    lead_share: float  # of a part's accounts reaching a parent, those reaching its lead one
    soft_kinds: tuple[str, ...]  # names and weak traits unrelated operators share by chance


@dataclass(frozen=True)
class LinkWeights:
    """Every rule of resolution (the YAML file's content, typed)."""

    identity: dict[str, KindRule]
    link_threshold: float
    pair_limit: int
    weak: dict[str, dict]
    billing_fuzzy: dict
    coactivity: dict
    attach: dict
    giant_share: float
    giant_min_accounts: int
    campaign_kinds: dict[str, KindRule]
    campaign_threshold: float
    operation_min_accounts: int
    campaign_pair_limit: int
    campaign_giant_share: float
    parent_conflict: ParentConflictRules
    bursts: BurstRules
    exits: ExitRules
    synchrony: SynchronyRules
    coherence: CoherenceRules
    hub_usage_types: tuple[str, ...]
    digest: str

    @classmethod
    def from_file(cls, path: Path = CONFIG_FILE) -> LinkWeights:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        cluster, campaign, coherence = data["cluster"], data["campaign"], data["coherence"]
        return cls(
            identity={k: KindRule(**v) for k, v in cluster["kinds"].items()},
            link_threshold=float(cluster["threshold"]), pair_limit=int(cluster["pair_limit"]),
            weak=cluster["weak"], billing_fuzzy=cluster["billing_fuzzy"],
            coactivity=cluster["coactivity"], attach=cluster["attach"],
            giant_share=float(cluster["giant_share"]),
            giant_min_accounts=int(cluster["giant_min_accounts"]),
            campaign_kinds={k: KindRule(**v) for k, v in campaign["kinds"].items()},
            campaign_threshold=float(campaign["threshold"]),
            operation_min_accounts=int(campaign["operation_min_accounts"]),
            campaign_pair_limit=int(campaign["pair_limit"]),
            campaign_giant_share=float(campaign["giant_share"]),
            parent_conflict=ParentConflictRules(
                float(campaign["parent_conflict"]["lead_share"]),
                tuple(campaign["parent_conflict"]["soft_kinds"])),
            bursts=BurstRules(**campaign["bursts"]),
            exits=ExitRules(**campaign["exits"]),
            synchrony=SynchronyRules(**campaign["synchrony"]),
            coherence=CoherenceRules(**coherence),
            hub_usage_types=tuple(data["hub_usage_types"]),
            digest=hashlib.sha256(text.encode()).hexdigest()[:16],
        )


@cache
def default_weights() -> LinkWeights:
    return LinkWeights.from_file()


DEFAULT_WEIGHTS = default_weights()
