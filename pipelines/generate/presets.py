"""World sizes as data: one table of presets, no code branches per scale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


def ts(text: str) -> int:
    """Seconds since the epoch of an ISO date or datetime (UTC)."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


@dataclass(frozen=True)
class CampaignSpec:
    """One distillation operation run by one ultimate parent."""

    key: str  # short tag, used in the campaign id
    n_accounts: int
    n_exchanges: int  # target number of API requests over the campaign window
    proxy: str  # key of the proxy service in network.PROXY_SERVICES
    parent_country: str
    script: str  # "zh" or "ru": script of the parent's aliases
    start: str = "2026-04-25"
    end: str = "2026-06-06"  # inclusive
    cloud_share: float = 0.0  # share of requests sent through big-cloud egress instead of proxy


@dataclass(frozen=True)
class Preset:
    name: str
    n_accounts: int  # total, campaigns included
    campaigns: tuple[CampaignSpec, ...]
    legit_usage_rows: int  # target requests of all legitimate accounts together
    n_university_nat: int  # accounts behind the biggest university NAT
    n_universities: int
    n_corporates: int
    n_corporate_accounts: int
    n_heavy_users: int  # accounts of the evaluation startup (legitimate heavy users)
    n_cgnat: int
    n_cloud_devs: int
    n_reseller_customers: int
    n_coworking_tenants: int  # tenant companies sharing one coworking billing address
    n_filler_orgs: int  # unrelated registry rows
    rate_limit_per_day: int = 300  # per campaign-sized account; legitimate big tiers: 2000
    heavy_daily: float = 120.0  # mean requests per weekday of a legitimate heavy user
    usage_start: str = "2026-04-01"
    usage_end: str = "2026-06-09"  # inclusive
    history_start: str = "2024-01-01"  # earliest legitimate sign-up
    release_dates: tuple[str, ...] = ("2026-04-28", "2026-05-14", "2026-05-29")
    unsupported_countries: tuple[str, ...] = ("CN", "RU", "KP", "IR")
    bad_row_rate: float = 0.002
    row_group_rows: int = 1_000_000


def _c(key, n, ex, proxy, country="CN", script="zh", **kw) -> CampaignSpec:
    return CampaignSpec(key, n, ex, proxy, country, script, **kw)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(  # the smallest world with every trait: CI runs every benchmark on it
            name="micro",
            n_accounts=400,
            campaigns=(_c("c1", 40, 2_400, "kestrelink", start="2026-05-28"),),
            legit_usage_rows=2_000,
            n_university_nat=40,
            n_universities=1,
            n_corporates=1,
            n_corporate_accounts=20,
            n_heavy_users=1,
            heavy_daily=40.0,
            n_cgnat=20,
            n_cloud_devs=20,
            n_reseller_customers=10,
            n_coworking_tenants=3,
            n_filler_orgs=5,
            usage_start="2026-05-28",
            usage_end="2026-06-03",
            history_start="2026-01-01",
        ),
        Preset(
            name="tiny",
            n_accounts=2_000,
            campaigns=(
                _c("c1", 120, 30_000, "kestrelink"),
                _c("c2", 40, 8_000, "umbra", cloud_share=0.3),
            ),
            legit_usage_rows=22_000,
            n_university_nat=300,
            n_universities=2,
            n_corporates=3,
            n_corporate_accounts=90,
            n_heavy_users=3,
            heavy_daily=80.0,
            n_cgnat=150,
            n_cloud_devs=120,
            n_reseller_customers=40,
            n_coworking_tenants=6,
            n_filler_orgs=20,
        ),
        Preset(
            name="demo",
            n_accounts=20_000,
            campaigns=(
                _c("c1", 1_500, 420_000, "kestrelink"),
                _c("c2", 380, 110_000, "umbra", cloud_share=0.3),
                _c("c3", 160, 45_000, "kestrelink", country="RU", script="ru",
                   start="2026-05-10"),
            ),
            legit_usage_rows=260_000,
            n_university_nat=2_400,
            n_universities=3,
            n_corporates=6,
            n_corporate_accounts=900,
            n_heavy_users=30,
            n_cgnat=1_500,
            n_cloud_devs=1_200,
            n_reseller_customers=300,
            n_coworking_tenants=14,
            n_filler_orgs=150,
        ),
        Preset(  # a fifth of the seed preset: big enough to measure, small enough to wait for
            name="large",
            n_accounts=200_000,
            campaigns=(
                _c("c1", 5_000, 5_760_000, "kestrelink"),
                _c("c2", 600, 480_000, "umbra", cloud_share=0.3),
                _c("c3", 240, 180_000, "kestrelink", country="RU", script="ru",
                   start="2026-05-10"),
            ),
            legit_usage_rows=2_300_000,
            n_university_nat=2_400,
            n_universities=4,
            n_corporates=10,
            n_corporate_accounts=4_000,
            n_heavy_users=40,
            n_cgnat=8_000,
            n_cloud_devs=6_000,
            n_reseller_customers=800,
            n_coworking_tenants=20,
            n_filler_orgs=400,
            bad_row_rate=0.001,
        ),
        Preset(
            name="seed",
            n_accounts=1_000_000,
            campaigns=(
                _c("c1", 25_000, 28_800_000, "kestrelink"),
                _c("c2", 3_000, 2_400_000, "umbra", cloud_share=0.3),
                _c("c3", 1_200, 900_000, "kestrelink", country="RU", script="ru",
                   start="2026-05-10"),
            ),
            legit_usage_rows=11_500_000,
            n_university_nat=12_000,
            n_universities=6,
            n_corporates=25,
            n_corporate_accounts=20_000,
            n_heavy_users=200,
            n_cgnat=40_000,
            n_cloud_devs=30_000,
            n_reseller_customers=4_000,
            n_coworking_tenants=40,
            n_filler_orgs=2_000,
            bad_row_rate=0.001,
        ),
    )
}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}") from None
