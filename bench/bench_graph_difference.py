"""What a daily load does before its first write: build the graph's tables from the normalised
tables and the resolution, find each one's difference against the manifest of what the graph
holds, and save the manifest of the tables that changed. The current code and a baseline
revision's (``--baseline``: its ``load/delta.py`` and ``load/identity_graph.py``, read from git)
run on the same work folder and the same manifest, each in a process of its own (this script
again, so that one's memory does not count in the other's peak); each row says whether the two
found the same difference. No Neo4j is needed.

The manifest stands for yesterday's graph: today's tables' fingerprints with a share of rows
taken out (rows today adds), changed (rows today rewrites) and made up (rows today deletes).

    .venv/bin/python bench/bench_graph_difference.py --preset demo
    .venv/bin/python bench/bench_graph_difference.py --work /path/to/seed/work  # bench_seed's
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_resolve import world
from bench.common import measured, module_at, print_table, progress, world_parser
from pipelines.load import delta as current_delta
from pipelines.load import identity_graph as current_graph
from pipelines.load.assets import graph_inputs
from pipelines.load.identity_graph import GRAPH_RESOLUTION
from pipelines.paths import PipelinePaths
from pipelines.resolve.assets import read_resolution
from pipelines.resolve.weights import DEFAULT_WEIGHTS
from pipelines.tables import table_path

# The last commit before the difference read only the manifest's hashes (``--baseline``).
BASELINE = "26b4007"
SHARES = {"added": 0.005, "changed": 0.005, "deleted": 0.001}  # of each table's rows
# Flips high bits of a hash (the baseline compares hashes as floats when some are new: a change
# in the lowest bits alone would go unseen; real changes change the whole hash).
SCRAMBLE = np.uint64(0x9E3779B97F4A7C15)
COLUMNS = ["version", "step", "seconds", "peak RSS MB", "rows", "same difference"]


def baseline_modules(revision: str) -> tuple[ModuleType, ModuleType]:
    delta = module_at(revision, "pipelines/load/delta.py")
    graph = module_at(revision, "pipelines/load/identity_graph.py",
                      {"pipelines.load.delta": delta})
    return delta, graph


def yesterday(work: Path, manifest_folder: Path, seed: int = 7) -> None:
    """A manifest for the graph as it stood the day before: today's fingerprints with
    ``SHARES`` of rows left out, changed, and added under keys today no longer has."""
    rng = np.random.default_rng(seed)
    paths = PipelinePaths(landing_dir=str(work), work_dir=str(work))
    manifest = current_delta.Manifest(manifest_folder)
    manifest.reset(None)
    for element in _elements(current_graph, paths):
        prints = current_delta.fingerprints(element)
        draw = rng.random(len(prints))
        added, changed = SHARES["added"], SHARES["added"] + SHARES["changed"]
        kept = prints[draw >= added].copy()
        kept.loc[draw[draw >= added] < changed, "row"] ^= SCRAMBLE
        gone = prints[draw < SHARES["deleted"]].copy()
        gone[element.keys] = gone[element.keys].astype(str) + "-gone"
        gone["id"] = gone["id"] ^ SCRAMBLE
        manifest.save(element.kind, pd.concat([kept, gone], ignore_index=True))


def _elements(graph: ModuleType, paths: PipelinePaths) -> list:
    threshold = DEFAULT_WEIGHTS.link_threshold
    resolution = read_resolution(paths, GRAPH_RESOLUTION, strong_from=threshold)
    return graph.graph_elements(graph_inputs(paths), resolution, threshold)


def _digest(deltas: list) -> str:
    """One hash of every element's rows to write (keys, and whether new) and keys to delete."""
    digest = hashlib.sha256()
    for kind, delta in deltas:
        for frame in (delta.changed[[c for c in delta.changed if c.startswith("_")]]
                      .assign(new=delta.new), delta.removed):
            rows = sorted(map(str, frame.astype(str).itertuples(index=False, name=None)))
            digest.update(f"{kind}:{len(rows)}:{'|'.join(rows)}".encode())
    return digest.hexdigest()


def run_version(version: str, work: str, manifest_folder: str) -> tuple[list[list], str]:
    """One version's three steps on a copy of the manifest: rows of the table, and the digest
    of the difference it found."""
    delta, graph = ((current_delta, current_graph) if version == "current"
                    else baseline_modules(version))
    paths = PipelinePaths(landing_dir=work, work_dir=work)
    rows = []
    with measured("build the graph's tables") as stage:
        elements = _elements(graph, paths)
    rows.append([version, stage.name, stage.seconds, stage.peak_rss_mb,
                 sum(len(e.frame) for e in elements), ""])
    with tempfile.TemporaryDirectory(prefix="attrib-manifest-") as copy:
        folder = Path(copy) / "graph"
        shutil.copytree(manifest_folder, folder)
        manifest = delta.Manifest(folder)
        with measured("difference against the manifest") as stage:
            found = [(e.kind, delta.difference(e, manifest if version == "current"
                                               else manifest.read(e.kind)))
                     for e in elements]
        rows.append([version, stage.name, stage.seconds, stage.peak_rss_mb,
                     sum(len(d) for _, d in found), ""])
        with measured("save the manifest of changed tables") as stage:
            for kind, difference in found:
                if len(difference):
                    manifest.save(kind, difference.current)
        rows.append([version, stage.name, stage.seconds, stage.peak_rss_mb,
                     sum(len(d.current) for _, d in found if len(d)), ""])
    return rows, _digest(found)


def prepared_work(preset: str, seed: int, root: Path) -> Path:
    """A generated world's work folder, normalised and resolved (reused when it is)."""
    from pipelines.resolve.assets import resolve_from_state, save_resolution
    from pipelines.snapshot import snapshot

    paths = world(preset, seed, root)
    if not table_path(paths, "resolved/links").exists():
        snap = snapshot(paths.landing)
        paths.output("snapshot.json").write_text(json.dumps(snap))
        save_resolution(resolve_from_state(paths, snap["run_id"]), paths)
    return paths.work


def in_own_process(version: str, work: Path, manifest: Path, scratch: Path
                   ) -> tuple[list[list], str]:
    """``run_version`` in a child process (this script again), so that its peak memory is its
    own; a child that fails or dies fails the benchmark."""
    progress(f"{version}: building, differencing, saving")
    result = scratch / f"result-{version}.json"
    subprocess.run([sys.executable, __file__, "--run-version", version, "--work", str(work),
                    "--manifest", str(manifest), "--result", str(result)], check=True)
    rows, digest = json.loads(result.read_text())
    return rows, digest


def work_parser(description: str, baseline: str) -> argparse.ArgumentParser:
    """A world parser that also takes an existing work folder and a baseline revision."""
    parser = world_parser(description, "world folder (default: a temporary one)")
    parser.add_argument("--work", default=None,
                        help="an existing work folder with normalised and resolved tables "
                             "(e.g. bench_seed's); nothing in it is changed")
    parser.add_argument("--baseline", default=baseline, metavar="GIT_REF")
    return parser


def work_folder(args: argparse.Namespace, scratch: Path) -> Path:
    """``--work`` as given, else a world generated, normalised and resolved (in ``--dir`` or
    under ``scratch``)."""
    if args.work:
        return Path(args.work)
    return prepared_work(args.preset, args.seed,
                         Path(args.dir) if args.dir else scratch / "world")


def main() -> None:
    parser = work_parser(__doc__.splitlines()[0], BASELINE)
    for inner in ("--run-version", "--manifest", "--result"):  # inside the child process
        parser.add_argument(inner, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_version:
        result = run_version(args.run_version, args.work, args.manifest)
        Path(args.result).write_text(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="attrib-bench-graph-") as scratch:
        work = work_folder(args, Path(scratch))
        manifest = Path(scratch) / "yesterday"
        progress(f"manifest of yesterday's graph from {work}")
        yesterday(work, manifest)
        results = {version: in_own_process(version, work, manifest, Path(scratch))
                   for version in (args.baseline, "current")}
    same = results[args.baseline][1] == results["current"][1]
    rows = [*results[args.baseline][0], *[[*row[:-1], "yes" if same else "NO"]
                                          for row in results["current"][0]]]
    print_table(f"Graph tables and their difference ({work})", COLUMNS, rows)
    before, after = (sum(row[2] for row in results[v][0]) for v in (args.baseline, "current"))
    print(f"\nbefore the first write: {args.baseline} {before:.1f} s, current {after:.1f} s "
          f"({before / max(after, 1e-9):.1f}x)")
    if not same:
        sys.exit("the two versions found different differences")


if __name__ == "__main__":
    main()
