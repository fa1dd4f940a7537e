"""An incremental day next to a full rebuild, in the same run: seconds per step and the ratio.

The world is generated, then replayed: the landing folder as it was at the end of the last day
but one is built from nothing (a full rebuild: every day ingested, the whole graph written into an
empty database), then the last day's drop is taken in as the daily run would (only the new day
ingested, the graph updated by difference). Replaces the configured Neo4j's contents.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import dagster as dg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import measured, print_table, progress
from pipelines.generate.drip import landing_as_of
from pipelines.generate.presets import PRESETS
from pipelines.generate.world import generate_world
from pipelines.ingest.days import usage_day_files
from pipelines.load.writer import wipe
from pipelines.operate.runner import run_main_job
from pipelines.paths import PipelinePaths
from pipelines.server.graph import Neo4jResource, open_driver
from pipelines.server.schema import apply_schema
from pipelines.settings import Neo4jSettings

STEPS = ("ingested_api_usage", "normalised_usage_day", "normalised_usage", "resolved_clusters",
         "identity_graph", "campaign_attribution", "case_reports")


def step_seconds(result: dg.ExecuteInProcessResult) -> dict[str, float]:
    """Seconds of each step, as the run's step-success events report them."""
    return {event.step_key: event.event_specific_data.duration_ms / 1000
            for event in result.all_events if event.event_type_value == "STEP_SUCCESS"}


def load_metadata(result: dg.ExecuteInProcessResult) -> dict:
    materialised = result.asset_materializations_for_node("identity_graph")
    return {k: v.value for k, v in materialised[0].metadata.items()} if materialised else {}


GRAPH_ASSETS = ("graph_schema", "identity_graph", "campaign_attribution",
                "attribution_evaluation", "case_reports")


def run(paths: PipelinePaths, resource: Neo4jResource, name: str, without: tuple[str, ...]):
    with measured(name) as stage:
        result, _ = run_main_job(paths=paths, instance=dg.DagsterInstance.ephemeral(),
                                 neo4j=resource, without=without)
    if not result.success:
        failures = [e.message for e in result.all_events if e.is_failure]
        raise SystemExit(f"{name} failed: {failures[:3]}")
    return stage, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="demo", choices=sorted(PRESETS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--without-graph", action="store_true",
                        help="only the steps before Neo4j (ingest, fold, combine, resolve): for "
                        "a preset whose full graph load would take too long to wait for")
    args = parser.parse_args()
    without = GRAPH_ASSETS if args.without_graph else ()
    root = Path(args.dir or tempfile.mkdtemp(prefix=f"bench-incremental-{args.preset}-"))
    settings = Neo4jSettings.from_env()
    resource = Neo4jResource(uri=settings.uri, username=settings.username,
                             password=settings.password, database=settings.database)
    progress(f"generating the {args.preset} world into {root / 'world'}")
    generate_world(args.preset, args.seed, root / "world", progress)
    days = sorted(usage_day_files(root / "world" / "landing"))
    paths = PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "work"))
    for folder in (paths.landing, paths.work):  # from nothing: no day already taken in
        shutil.rmtree(folder, ignore_errors=True)
    truth = root / "ground_truth"  # where the evaluation assets look, next to the landing folder
    if not truth.exists():
        truth.symlink_to(root / "world" / "ground_truth", target_is_directory=True)
    landing_as_of(root / "world" / "landing", paths.landing, days[-2])
    if not args.without_graph:
        driver = open_driver(settings)
        wipe(driver, settings.database)
        apply_schema(driver, settings.database)
        driver.close()

    progress(f"full rebuild: {len(days) - 1} days, from nothing")
    full, full_result = run(paths, resource, f"full rebuild ({len(days) - 1} days)", without)
    landing_as_of(root / "world" / "landing", paths.landing, days[-1])
    progress(f"incremental: the drop of {days[-1]}")
    daily, daily_result = run(paths, resource, f"incremental day ({days[-1]})", without)

    full_steps, daily_steps = step_seconds(full_result), step_seconds(daily_result)
    rows = [[step, full_steps.get(step, 0.0), daily_steps.get(step, 0.0),
             full_steps.get(step, 0.0) / max(daily_steps.get(step, 0.0), 1e-9)]
            for step in STEPS if step in full_steps]
    rows.append(["whole run (wall clock)", full.seconds, daily.seconds,
                 full.seconds / max(daily.seconds, 1e-9)])
    scope = " (steps before the graph only)" if args.without_graph else ""
    print_table(f"Full rebuild vs incremental day — preset {args.preset}, seed {args.seed}{scope}",
                ["step", "full s", "incremental s", "full/incremental"], rows)
    full_load, daily_load = load_metadata(full_result), load_metadata(daily_result)
    print(f"\ngraph writes: full {full_load.get('writes', 0):,}, incremental "
          f"{daily_load.get('writes', 0):,}; peak RSS full {full.peak_rss_mb:,.0f} MB, "
          f"incremental {daily.peak_rss_mb:,.0f} MB")
    print(f"an incremental day took {daily.seconds:,.1f} s against {full.seconds:,.1f} s for the "
          f"full rebuild: {full.seconds / max(daily.seconds, 1e-9):.1f}x faster")


if __name__ == "__main__":
    main()
