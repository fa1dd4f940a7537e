"""A small generated world taken through ingestion, resolution, scoring and attribution with
plain function calls (no Neo4j, no Dagster), leaving in the work folder what the case reports
read."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pipelines.attribute.config import AttributionConfig, ScoringConfig
from pipelines.attribute.pipeline import AttributionInputs, attribute_campaigns, score_campaigns
from pipelines.generate.world import generate_world
from pipelines.paths import PipelinePaths
from pipelines.snapshot import snapshot
from tests.landing import run_pipeline

LOG = logging.getLogger(__name__)


def attribute_world(paths: PipelinePaths) -> None:
    """Resolve, score and attribute the landing folder; save what the reports read."""
    snap = snapshot(paths.landing)
    run_pipeline(paths, run_id=snap["run_id"])
    (paths.work / "snapshot.json").write_text(json.dumps(snap))
    inputs = AttributionInputs.from_paths(paths)
    scores = score_campaigns(inputs, ScoringConfig())
    attributions = attribute_campaigns(inputs, scores, AttributionConfig())
    out = paths.output("attribution")
    out.mkdir(parents=True, exist_ok=True)
    scores.reset_index(names="cluster_id").to_parquet(out / "scores.parquet", index=False)
    attributions.to_parquet(out / "attributions.parquet", index=False)


def attributed_world(root: Path, seed: int) -> PipelinePaths:
    LOG.info("case-report world: preset tiny, seed %s", seed)
    generate_world("tiny", seed, root, progress=lambda _: None)
    paths = PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "work"))
    attribute_world(paths)
    return paths
