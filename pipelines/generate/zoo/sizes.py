"""Sizes of zoo worlds as data (imported by the command line, so kept free of heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ZooSize:
    """How big the worlds of one kind are; every number inside the ranges is drawn."""

    name: str
    accounts: tuple[int, int]
    campaigns: tuple[int, int]
    campaign_accounts: tuple[int, int]  # each campaign, log-uniform
    decoy_accounts: tuple[int, int]  # campus NAT, CGNAT, cloud developers, log-uniform
    usage_start: str
    usage_end: str  # inclusive
    campaign_rows: int  # most requests one campaign sends over the window
    legit_daily: float = 0.35  # mean requests per legitimate account and day
    heavy_daily: float = 15.0  # mean requests per heavy user and working day
    max_campaign_share: float = 0.45  # of all accounts


SIZES = {s.name: s for s in (
    ZooSize("full", (20_000, 40_000), (3, 5), (30, 5_000), (300, 5_000), "2026-05-01",
            "2026-06-04", 220_000),
    ZooSize("quick", (4_000, 7_000), (2, 4), (30, 900), (100, 1_200), "2026-05-08",
            "2026-06-04", 40_000),
    ZooSize("tiny", (1_200, 1_600), (2, 2), (30, 150), (40, 200), "2026-05-20", "2026-06-04",
            6_000),
)}
