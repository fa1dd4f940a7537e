"""Resolution and load into Neo4j: seconds per stage, graph writes per second and peak memory,
side by side with a naive loader (one auto-commit MERGE per row) on the same sample.

    make bench                                   # demo preset
    .venv/bin/python bench/bench_load.py --preset seed

It replaces the contents of the configured Neo4j (as the main job does).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import measured, print_table, progress
from pipelines.generate.presets import PRESETS
from pipelines.generate.world import generate_world
from pipelines.graph import Neo4jResource, open_driver
from pipelines.load.assets import load_graph
from pipelines.load.statements import NAIVE_ACCOUNT_MERGE, NODE_STATEMENTS
from pipelines.load.writer import wipe
from pipelines.paths import PipelinePaths
from pipelines.prepare import prepare_tables
from pipelines.resolve.assets import load_inputs, save_resolution
from pipelines.resolve.pipeline import resolve
from pipelines.schema import apply_schema
from pipelines.settings import Neo4jSettings
from pipelines.snapshot import snapshot

CLEANUP = "MATCH (n:Account) WHERE n.bench_sample = true DETACH DELETE n"


def prepare(paths: PipelinePaths, preset: str, seed: int, root: Path) -> None:
    generate_world(preset, seed, root, progress)
    prepare_tables(paths, progress)
    snap = snapshot(paths.landing)
    paths.output("snapshot.json").write_text(json.dumps(snap))


def sample_rows(count: int, tag: str) -> list[dict]:
    return [{"key": f"bench-{tag}-{i:07d}", "props": {"bench_sample": True, "tier": "free"}}
            for i in range(count)]


def naive_vs_batched(settings: Neo4jSettings, count: int) -> tuple:
    driver = open_driver(settings)
    try:
        with measured("naive: one auto-commit MERGE per row") as naive:
            for row in sample_rows(count, "naive"):
                driver.execute_query(NAIVE_ACCOUNT_MERGE, key=row["key"], props=row["props"],
                                     database_=settings.database)
            naive.rows = count
        with measured("batched: UNWIND $rows MERGE, 10k per tx") as batched:
            rows = sample_rows(count, "batch")
            with driver.session(database=settings.database) as session:
                for start in range(0, count, 10_000):
                    session.execute_write(lambda tx, b=rows[start:start + 10_000]: tx.run(
                        NODE_STATEMENTS["Account"], rows=b).consume())
            batched.rows = count
        driver.execute_query(CLEANUP, database_=settings.database)
    finally:
        driver.close()
    return naive, batched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="demo", choices=sorted(PRESETS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample", type=int, default=5000, help="rows for naive vs batched")
    parser.add_argument("--dir", default=None)
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the generated and normalised world already in --dir "
                        "(e.g. left by bench_ingest.py) instead of preparing it again")
    args = parser.parse_args()
    root = Path(args.dir or tempfile.mkdtemp(prefix=f"bench-load-{args.preset}-"))
    paths = PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "work"))
    settings = Neo4jSettings.from_env()
    resource = Neo4jResource(uri=settings.uri, username=settings.username,
                             password=settings.password, database=settings.database)
    if args.reuse:
        paths.output("snapshot.json").write_text(json.dumps(snapshot(paths.landing)))
    else:
        prepare(paths, args.preset, args.seed, root)
    with measured("resolve (links, clusters, org matching)") as resolve_stage:
        no_previous = pd.DataFrame(columns=["account_id", "cluster_id"])
        resolution = resolve(load_inputs(paths), no_previous, snapshot(paths.landing)["run_id"])
        save_resolution(resolution, paths)
        resolve_stage.rows = len(resolution.links)
    driver = open_driver(settings)
    wipe(driver, settings.database)
    apply_schema(driver, settings.database)
    driver.close()
    with measured("load identity graph (batched)") as load_stage:
        summary = load_graph(resource, paths, progress)
        load_stage.rows = summary["writes"]
    naive, batched = naive_vs_batched(settings, args.sample)
    stages = [resolve_stage, load_stage, naive, batched]
    print_table(f"Resolution and load — preset {args.preset}, seed {args.seed}",
                ["stage", "rows/writes", "seconds", "per second", "peak RSS MB"],
                [[s.name, s.rows, s.seconds, s.rows_per_second, s.peak_rss_mb] for s in stages])
    print(f"\ngraph: {summary['nodes']:,} nodes, {summary['relationships']:,} relationships")
    print(f"batched loader vs naive loader on the same {args.sample:,} rows: "
          f"{batched.rows_per_second / max(naive.rows_per_second, 1e-9):.1f}x the writes/s")


if __name__ == "__main__":
    main()
