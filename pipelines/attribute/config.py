"""Settings of campaign scoring and attribution (Dagster config can override them)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScoringConfig:
    rate_limit_per_day: int = 300
    unsupported_countries: tuple[str, ...] = ("CN", "RU", "KP", "IR")
    release_dates: tuple[str, ...] = ("2026-04-28", "2026-05-14", "2026-05-29")
    release_window_hours: int = 72
    campaign_threshold: float = 0.5
    min_campaign_accounts: int = 3
    # Each feature's value in [0, 1] times its weight; the sum goes through a logistic.
    weights: dict[str, float] = field(default_factory=lambda: {
        "many_small_accounts": 1.5,
        "extraction_excess": 2.5,
        "operator_coherence": 2.0,
        "synchronised_activity": 1.0,
        "creation_burst": 1.0,
        "anonymised_network_share": 1.0,
        "unsupported_region_share": 1.0,
        "release_burst": 0.75,
        "disposable_or_voip_share": 0.75,
        "lookalike_share": 0.75,
    })
    bias: float = -4.5


@dataclass(frozen=True)
class AttributionConfig:
    # How much one account's link to an organisation says, by the kind of evidence.
    evidence_weights: dict[str, float] = field(default_factory=lambda: {
        "billing_identity": 1.0,
        "email_domain_registrant": 0.8,
        "email_domain_website": 0.6,
        "registrant_email_website": 0.6,
        "declared_organisation": 0.4,
        "partner_indicator": 0.5,
    })
    min_confidence: float = 0.2
    top_candidates: int = 3
