"""Full graph build, three ways on the same graph in one run: the previous transactional loader
(MERGE for every row, Python datetimes, one session), today's transactional loader (CREATE for
new rows, epoch datetimes, parallel sessions) and the bulk import (neo4j-admin, local Neo4j).

    make bench                                   # demo preset
    .venv/bin/python bench/bench_load.py --preset large --reuse --dir /tmp/bench-large

It replaces the contents of the configured Neo4j (as the main job does) and, for the bulk
import, restarts the local server.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Stage, measured, print_table, progress, world_parser
from pipelines.generate.world import generate_world
from pipelines.load.assets import graph_to_write, load_graph
from pipelines.load.bulk import BULK_SETTING, MIN_ROWS_SETTING
from pipelines.load.writer import SESSIONS_SETTING, GraphWriter, load_sessions, wipe
from pipelines.paths import PipelinePaths
from pipelines.prepare import prepare_tables
from pipelines.resolve.assets import load_inputs, save_resolution
from pipelines.resolve.pipeline import resolve
from pipelines.server.graph import Neo4jResource, open_driver
from pipelines.server.schema import apply_schema
from pipelines.settings import Neo4jSettings
from pipelines.snapshot import snapshot


def prepare(paths: PipelinePaths, preset: str, seed: int, root: Path) -> None:
    generate_world(preset, seed, root, progress)
    prepare_tables(paths, progress)
    snap = snapshot(paths.landing)
    no_previous = pd.DataFrame(columns=["account_id", "cluster_id"])
    save_resolution(resolve(load_inputs(paths), no_previous, snap["run_id"]), paths)
    paths.output("snapshot.json").write_text(json.dumps(snap))


def empty_database(settings: Neo4jSettings) -> None:
    driver = open_driver(settings)
    try:
        wipe(driver, settings.database)
        apply_schema(driver, settings.database)
    finally:
        driver.close()


def previous_loader(settings: Neo4jSettings, paths: PipelinePaths) -> Stage:
    """The loader as it was: every row MERGEd with its datetimes as Python objects, one
    session; nodes first, then relationships (the same statements it used)."""
    elements, _ = graph_to_write(paths)
    empty_database(settings)
    driver = open_driver(settings)
    try:
        writer = GraphWriter(driver, settings.database, sessions=1)
        with measured("previous loader: MERGE, Python datetimes, 1 session") as stage:
            for element in sorted(elements, key=lambda e: not e.is_node):
                write = writer.nodes if element.is_node else writer.relationships
                write(element.kind, element.rows())
            stage.rows = writer.stats.writes
    finally:
        driver.close()
    return stage


def current_loader(resource: Neo4jResource, settings: Neo4jSettings,
                   paths: PipelinePaths) -> Stage:
    empty_database(settings)
    os.environ[BULK_SETTING] = "off"
    name = f"loader: CREATE new rows, epoch datetimes, {load_sessions()} sessions"
    with measured(name) as stage:
        summary = load_graph(resource, paths, progress)
        stage.rows = summary["writes"]
    return stage


def bulk_import(resource: Neo4jResource, paths: PipelinePaths) -> tuple[Stage, dict]:
    """The same graph by import (files, stop, import, start, schema), after a token mismatch."""
    (paths.output("state/graph") / "token").unlink(missing_ok=True)
    os.environ[BULK_SETTING] = "auto"
    os.environ[MIN_ROWS_SETTING] = "0"  # measured whatever the size
    with measured("bulk import: files, stop, import, start, schema") as stage:
        summary = load_graph(resource, paths, progress)
        stage.rows = summary["imported"]
    return stage, summary


def main() -> None:
    parser = world_parser(__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the world, tables and resolution already in --dir")
    parser.add_argument("--sessions", type=int, default=None,
                        help=f"parallel write sessions (default {SESSIONS_SETTING} or 2)")
    args = parser.parse_args()
    if args.sessions:
        os.environ[SESSIONS_SETTING] = str(args.sessions)
    root = Path(args.dir or tempfile.mkdtemp(prefix=f"bench-load-{args.preset}-"))
    paths = PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "work"))
    settings = Neo4jSettings.from_env()
    resource = Neo4jResource(uri=settings.uri, username=settings.username,
                             password=settings.password, database=settings.database)
    if not args.reuse:
        prepare(paths, args.preset, args.seed, root)
    old = previous_loader(settings, paths)
    new = current_loader(resource, settings, paths)
    stages = [old, new]
    bulk, summary = bulk_import(resource, paths)
    if summary["method"] == "bulk import":
        stages.append(bulk)
    print_table(f"Full graph build — preset {args.preset}, seed {args.seed}",
                ["way", "rows written", "seconds", "rows/s", "peak RSS MB"],
                [[s.name, s.rows, s.seconds, s.rows_per_second, s.peak_rss_mb] for s in stages])
    print(f"\ngraph: {summary['nodes']:,} nodes, {summary['relationships']:,} relationships")
    print(f"transactional writes/s, current vs previous loader: "
          f"{new.rows_per_second / max(old.rows_per_second, 1e-9):.2f}x")
    if summary["method"] == "bulk import":
        print(f"full build seconds, current transactional / bulk import: "
              f"{new.seconds / max(bulk.seconds, 1e-9):.2f}; previous loader / bulk import: "
              f"{old.seconds / max(bulk.seconds, 1e-9):.2f} (fixed costs of a server restart "
              "dominate small graphs)")
    else:
        print("bulk import not measured: the configured Neo4j is not the project's local one")


if __name__ == "__main__":
    main()
