"""Reference exports (accounts, payment instruments, registrations…) ingested and normalised by
difference against every row, on one world's last day.

The exports as of the day before the last are ingested and normalised from nothing (the previous
run, which leaves its memos); the last day's exports are then done by difference from them and,
as the baseline in the same run, from nothing in a fresh work folder. Prints seconds, peak RSS
and rows read back per step, and whether the two work folders hold the same tables.

    .venv/bin/python bench/bench_reference_increment.py --preset demo
    .venv/bin/python bench/bench_reference_increment.py --preset seed --dir /path  # world reused
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_seed import prepare_world
from bench.common import measured, print_table, world_parser
from pipelines.contract import load_contracts
from pipelines.generate.drip import landing_as_of
from pipelines.ingest.assets import ingest_source
from pipelines.normalise.assets import TABLES, normalise_counted
from pipelines.paths import PipelinePaths

COMPARED = ("ingested", "normalised", "quarantine")


def reference_steps(paths: PipelinePaths, label: str) -> list[list[object]]:
    """Ingest every reference export, then normalise every table: one row per step."""
    rows = []
    with measured(f"{label}: ingest") as stage:
        reports = [ingest_source(c, paths) for c in load_contracts().values() if not c.large]
    rows.append([stage.name, stage.seconds, stage.peak_rss_mb, sum(r.read for r in reports),
                 sum(r.reused for r in reports)])
    with measured(f"{label}: normalise") as stage:
        counted = [normalise_counted(t, paths) for t in TABLES]
    rows.append([stage.name, stage.seconds, stage.peak_rss_mb,
                 sum(len(frame) for frame, _ in counted), sum(n for _, n in counted)])
    return rows


def differing_tables(one: Path, other: Path) -> list[str]:
    """The tables of ``one``'s work folder that ``other``'s does not hold the same."""
    differing = []
    for folder in COMPARED:
        for path in sorted((one / folder).glob("*.*")):
            twin = other / folder / path.name
            if path.suffix == ".parquet":
                same = twin.exists() and pd.read_parquet(path).equals(pd.read_parquet(twin))
            else:
                same = twin.exists() and path.read_bytes() == twin.read_bytes()
            if not same:
                differing.append(f"{folder}/{path.name}")
    return differing


def main() -> None:
    args = world_parser(__doc__.splitlines()[0], "folder for the world (reused) and the work"
                        ).parse_args()
    root = Path(args.dir or tempfile.mkdtemp(prefix=f"bench-reference-{args.preset}-"))
    days = prepare_world(args.preset, args.seed, root)
    world = root / "world" / "landing"
    chained = PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "work"))
    fresh = PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "fresh-work"))
    shutil.rmtree(fresh.work, ignore_errors=True)
    landing_as_of(world, chained.landing, days[-2])
    rows = reference_steps(chained, f"previous run ({days[-2]}), from nothing")
    shutil.rmtree(chained.landing)
    landing_as_of(world, chained.landing, days[-1])
    rows += reference_steps(chained, f"{days[-1]} by difference")
    rows += reference_steps(fresh, f"{days[-1]} from nothing (baseline)")
    differing = differing_tables(chained.work, fresh.work)
    whole = {label: sum(r[1] for r in rows if str(r[0]).startswith(label))
             for label in (f"{days[-1]} by", f"{days[-1]} from")}
    print_table(f"Reference exports by difference — preset {args.preset}, seed {args.seed}",
                ["step", "seconds", "peak RSS MB", "rows", "rows read back"], rows)
    by_difference, baseline = whole.values()
    print(f"\n{days[-1]}: {by_difference:,.1f} s by difference, {baseline:,.1f} s from nothing "
          f"({baseline / max(by_difference, 1e-9):.1f}x); the same tables: "
          f"{'yes' if not differing else 'NO: ' + ', '.join(differing)}")
    if differing:
        sys.exit("the run by difference differs from doing every row")


if __name__ == "__main__":
    main()
