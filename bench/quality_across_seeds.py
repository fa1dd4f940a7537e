"""Clustering and attribution quality on several generated worlds (never tuned to one seed).

    .venv/bin/python bench/quality_across_seeds.py --preset demo --seeds 7 11 23 42

Runs the whole main job per seed against the configured Neo4j (replacing its contents) and
prints one row per seed from the evaluation assets' own reports.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import dagster as dg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import print_table
from pipelines.generate.presets import PRESETS
from pipelines.generate.world import generate_world
from pipelines.load.writer import wipe
from pipelines.operate.runner import run_main_job
from pipelines.paths import PipelinePaths
from pipelines.server.graph import Neo4jResource, open_driver
from pipelines.settings import Neo4jSettings


def run_seed(preset: str, seed: int, root: Path, resource: Neo4jResource) -> list[object]:
    generate_world(preset, seed, root, progress=lambda _: None)
    paths = PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "work"))
    result, seconds = run_main_job(  # every usage day of the world, as a daily backfill would
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}}, paths=paths,
        instance=dg.DagsterInstance.ephemeral(), neo4j=resource)
    if not result.success:
        return [seed, "FAILED", "", "", "", "", "", seconds]
    clustering = json.loads(paths.output("evaluation/clustering.json").read_text())
    attribution = json.loads(paths.output("evaluation/attribution.json").read_text())
    pairwise, bcubed = clustering["overall"]["pairwise"], clustering["overall"]["bcubed"]
    return [seed, pairwise["precision"], pairwise["recall"], bcubed["f1"],
            f"{clustering['legit_in_campaign_share']:.4%}",
            f"{attribution['true_parent_ranked_first']}/{attribution['campaigns']}",
            len(attribution["legitimate_orgs_named"]), seconds]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="demo", choices=sorted(PRESETS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11, 23, 42])
    args = parser.parse_args()
    settings = Neo4jSettings.from_env()
    resource = Neo4jResource(uri=settings.uri, username=settings.username,
                             password=settings.password, database=settings.database)
    rows = []
    for seed in args.seeds:
        driver = open_driver(settings)
        wipe(driver, settings.database)
        driver.close()
        rows.append(run_seed(args.preset, seed, Path(tempfile.mkdtemp(prefix=f"q{seed}-")),
                             resource))
        print(f"  .. seed {seed}: {rows[-1]}", flush=True)
    print_table(f"Quality across seeds — preset {args.preset}",
                ["seed", "pairwise P", "pairwise R", "B3 F1", "legit in campaign clusters",
                 "true parent 1st", "legit orgs named", "job seconds"], rows)


if __name__ == "__main__":
    main()
