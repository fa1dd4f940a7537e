"""The whole pipeline without Neo4j or Dagster: ingest, normalise, resolve, score and attribute
as plain function calls over one landing folder. Quality benchmarks and property tests use it;
the assets run the same functions one step at a time.

The result has the shape every evaluation reads:

- ``clusters``: account_id, cluster_id (accounts linked by direct evidence)
- ``campaigns``: campaign_id, accounts, clusters, risk_score, is_campaign (flagged)
- ``campaign_members``: account_id, campaign_id (every account of every predicted campaign)
- ``attributions``: campaign_id, org_id, rank, confidence
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from pipelines.attribute.config import AttributionConfig, ScoringConfig
from pipelines.attribute.pipeline import AttributionInputs, attribute_campaigns, score_campaigns
from pipelines.paths import PipelinePaths
from pipelines.prepare import prepare_tables
from pipelines.resolve.assets import resolve_from_state, save_resolution
from pipelines.tables import write_table


@dataclass
class OfflineResult:
    clusters: pd.DataFrame
    campaigns: pd.DataFrame
    campaign_members: pd.DataFrame
    attributions: pd.DataFrame
    seconds: dict[str, float] = field(default_factory=dict)


def run_offline(paths: PipelinePaths, progress: Callable[[str], None] = lambda _: None,
                run_id: str = "offline", prepare: bool = True) -> OfflineResult:
    """Run every step up to attribution on ``paths.landing``, writing into ``paths.work``
    (``prepare=False``: start from the normalised tables a previous run left there)."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    if prepare:
        prepare_tables(paths, progress)
    seconds["prepare"] = time.perf_counter() - started
    started = time.perf_counter()
    resolution = resolve_from_state(paths, run_id)
    save_resolution(resolution, paths)
    seconds["resolve"] = time.perf_counter() - started
    started = time.perf_counter()
    inputs = AttributionInputs.from_paths(paths)
    scores = score_campaigns(inputs, ScoringConfig())
    attributions = attribute_campaigns(inputs, scores, AttributionConfig())
    write_table(paths, "attribution/scores", scores.reset_index())
    write_table(paths, "attribution/attributions", attributions)
    seconds["attribute"] = time.perf_counter() - started
    clusters = resolution.clusters[["account_id", "cluster_id"]]
    members = resolution.campaigns[["account_id", "campaign_id"]]
    per_campaign = members.merge(clusters, on="account_id", how="left").groupby(
        "campaign_id")["cluster_id"].nunique().rename("clusters")
    campaigns = scores.reset_index().join(per_campaign, on="campaign_id")
    campaigns = campaigns[["campaign_id", "accounts", "clusters", "risk_score", "is_campaign"]]
    return OfflineResult(clusters, campaigns.reset_index(drop=True), members,
                         attributions[["campaign_id", "org_id", "rank", "confidence"]], seconds)
