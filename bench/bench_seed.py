"""The seed preset end to end: a full build (every day but the last, from nothing, the graph by
bulk import into the local Neo4j), then one daily increment (the last day's drop, the graph by
difference). Each step runs in its own process, so its peak RSS is its own; a step that passes
--max-rss-gb is stopped and reported, and the steps after it are skipped.

    .venv/bin/python bench/bench_seed.py                      # seed: 1M accounts (long)
    .venv/bin/python bench/bench_seed.py --preset tiny        # the same steps in a minute

The world is generated once into --dir and reused. Replaces the configured Neo4j's contents.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import print_table
from pipelines.generate.presets import PRESETS
from pipelines.paths import PipelinePaths
from pipelines.settings import Neo4jSettings

# Each step imports what it needs, in its own child process: importing every step's modules
# took about 2.5 s in each child, counted in the step's seconds and peak RSS.


def _ingest_reference(paths: PipelinePaths) -> str:
    from pipelines.contract import load_contracts
    from pipelines.ingest.assets import ingest_source
    from pipelines.normalise.assets import TABLES, normalise_table

    for contract in load_contracts().values():
        if not contract.large:
            ingest_source(contract, paths)
    for table in TABLES:
        normalise_table(table, paths)
    return f"{len(TABLES)} tables"


def _ingest_usage(paths: PipelinePaths) -> str:
    from pipelines.contract import load_contracts
    from pipelines.ingest.days import usage_day_files
    from pipelines.ingest.usage import ingest_usage_day

    contract = load_contracts()["api_usage"]
    reports = [ingest_usage_day(contract, paths, day) for day in usage_day_files(paths.landing)]
    return f"{sum(r.read for r in reports if not r.note.startswith('unchanged')):,} rows read"


def _fold(paths: PipelinePaths) -> str:
    from pipelines.ingest.days import usage_day_files
    from pipelines.normalise.usage import aggregate_usage_days

    outcomes = aggregate_usage_days(paths, list(usage_day_files(paths.landing)))
    return f"{list(outcomes.values()).count('aggregated')} day(s) folded"


def _combine(paths: PipelinePaths) -> str:
    from pipelines.normalise.usage import combine_usage_days

    summary = combine_usage_days(paths)
    return f"{summary.requests:,} requests, {summary.account_ip_pairs:,} account×IP"


def _resolve(paths: PipelinePaths) -> str:
    from bench.stages import STAGE_COLUMNS, sampled_stages, stage_rows
    from pipelines.resolve.assets import resolve_from_state, save_resolution
    from pipelines.snapshot import snapshot

    snap = snapshot(paths.landing)
    paths.output("snapshot.json").write_text(json.dumps(snap))
    totals: dict = {}
    with sampled_stages(totals):
        resolution = resolve_from_state(paths, snap["run_id"])
        save_resolution(resolution, paths)
    print_table("resolve by stage (sampled)", STAGE_COLUMNS, stage_rows(totals))
    billing = resolution.billing_state
    scored = (f"; billing profiles scored anew {billing.changed:,} of "
              f"{len(billing.signatures):,}, {billing.reused_pairs:,} pairs reused"
              if billing else "")
    return f"{len(resolution.links):,} links{scored}"


def _load(paths: PipelinePaths) -> str:
    from pipelines.load.assets import load_graph

    started = time.perf_counter()
    summary = load_graph(_neo4j(), paths, lambda message: print(
        f"  .. [{time.perf_counter() - started:6.1f} s] {message}", flush=True))
    return (f"{summary['method']}: {summary['imported'] + summary['writes']:,} rows, "
            f"{summary['nodes']:,} nodes, {summary['relationships']:,} relationships")


STEPS: dict[str, Callable[[PipelinePaths], str]] = {
    "ingest reference exports": _ingest_reference, "ingest usage days": _ingest_usage,
    "fold usage days": _fold, "combine usage days": _combine, "resolve": _resolve,
    "load graph": _load,
}


@dataclass
class StepResult:
    phase: str
    step: str
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    outcome: str = ""


def _watch(process: psutil.Process, limit_mb: float, stop: threading.Event,
           killed: list[float]) -> None:
    """Stop the step when it passes the memory limit (the machine is shared)."""
    while not stop.wait(0.5):
        try:
            rss = process.memory_info().rss / 2**20
        except psutil.Error:
            return
        if rss > limit_mb:
            killed.append(rss)
            process.kill()
            return


def run_step(phase: str, step: str, root: Path, limit_mb: float) -> StepResult:
    """One step in a child process; its seconds and peak RSS (from the kernel's accounting)."""
    result_file = root / "step-result.txt"
    result_file.unlink(missing_ok=True)
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, __file__, "--run-step", step, "--dir", str(root)])
    stop, killed = threading.Event(), []
    watcher = threading.Thread(target=_watch, args=(psutil.Process(child.pid), limit_mb, stop,
                                                    killed), daemon=True)
    watcher.start()
    _, status, usage = os.wait4(child.pid, 0)
    stop.set()
    watcher.join()
    result = StepResult(phase, step, time.perf_counter() - started, usage.ru_maxrss / 1024)
    if killed:
        result.outcome = f"STOPPED at {killed[0] / 1024:.1f} GB (limit {limit_mb / 1024:.0f} GB)"
    elif os.waitstatus_to_exitcode(status) != 0:
        result.outcome = f"FAILED (exit {os.waitstatus_to_exitcode(status)})"
    else:
        result.outcome = result_file.read_text() if result_file.exists() else ""
    return result


def _paths(root: Path) -> PipelinePaths:
    return PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "work"))


def prepare_world(preset: str, seed: int, root: Path) -> list[str]:
    """Generate the world once (reused on the next run), start from an empty work folder."""
    from pipelines.generate.world import generate_world
    from pipelines.ingest.days import usage_day_files

    world = root / "world"
    if not (world / ".complete").exists():
        shutil.rmtree(world, ignore_errors=True)
        generate_world(preset, seed, world, lambda m: print(f"  .. {m}", flush=True))
        (world / ".complete").write_text(preset)
    for folder in (root / "landing", root / "work"):
        shutil.rmtree(folder, ignore_errors=True)
    return sorted(usage_day_files(world / "landing"))


def _neo4j():
    """The configured Neo4j as the pipeline's resource."""
    from pipelines.server.graph import Neo4jResource

    settings = Neo4jSettings.from_env()
    return Neo4jResource(uri=settings.uri, username=settings.username,
                         password=settings.password, database=settings.database)


def empty_graph() -> None:
    """Start from an empty database. Where the loader may replace the database (the bulk
    import's own test, ``why_not_bulk``) its store is dropped, in seconds; deleting a seed
    graph's 40 million relationships in transactions took many minutes. Anywhere else it is
    wiped in transactions."""
    from pipelines.load.bulk import why_not_bulk
    from pipelines.load.writer import GraphWriter, wipe
    from pipelines.server.local import LocalNeo4j, drop_store, start, stop
    from pipelines.server.schema import apply_schema

    resource = _neo4j()
    with resource.driver() as driver:
        droppable = why_not_bulk(GraphWriter(driver, resource.database), resource) is None
        if not droppable:
            wipe(driver, resource.database)
    if droppable:
        server = LocalNeo4j.from_env()
        stop(server)
        drop_store(server, resource.database)
        start(server)
    with resource.driver() as driver:
        apply_schema(driver, resource.database)


def run_phase(phase: str, root: Path, limit_mb: float) -> list[StepResult]:
    results = []
    for step in STEPS:
        print(f"[{phase}] {step} ...", flush=True)
        results.append(run_step(phase, step, root, limit_mb))
        print(f"[{phase}] {step}: {results[-1].seconds:.1f} s, "
              f"{results[-1].peak_rss_mb:,.0f} MB — {results[-1].outcome}", flush=True)
        if results[-1].outcome.startswith(("STOPPED", "FAILED")):
            break
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="seed", choices=sorted(PRESETS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", default=None, help="folder for the world and the work")
    parser.add_argument("--max-rss-gb", type=float, default=12.0,
                        help="stop a step whose resident memory passes this")
    parser.add_argument("--run-step", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    root = Path(args.dir or tempfile.mkdtemp(prefix=f"bench-seed-{args.preset}-"))
    if args.run_step:  # inside the child process
        outcome = STEPS[args.run_step](_paths(root))
        (root / "step-result.txt").write_text(outcome)
        return
    from pipelines.generate.drip import landing_as_of

    days = prepare_world(args.preset, args.seed, root)
    world_landing = root / "world" / "landing"
    empty_graph()
    landing_as_of(world_landing, root / "landing", days[-2])
    limit = args.max_rss_gb * 1024
    full = run_phase(f"full build, {len(days) - 1} days", root, limit)
    daily = []
    if not any(r.outcome.startswith(("STOPPED", "FAILED")) for r in full):
        landing_as_of(world_landing, root / "landing", days[-1])
        daily = run_phase(f"increment {days[-1]}", root, limit)
    results = full + daily
    print_table(f"Seed benchmark — preset {args.preset}, seed {args.seed}",
                ["phase", "step", "seconds", "peak RSS MB", "outcome"],
                [[r.phase, r.step, r.seconds, r.peak_rss_mb, r.outcome] for r in results])
    whole_full = sum(r.seconds for r in full)
    whole_daily = sum(r.seconds for r in daily)
    print(f"\nfull build {whole_full:,.1f} s (peak {max(r.peak_rss_mb for r in full):,.0f} MB)"
          + (f"; increment {whole_daily:,.1f} s "
             f"({whole_full / max(whole_daily, 1e-9):.1f}x faster)" if daily else ""))


if __name__ == "__main__":
    main()
