"""Generation and ingestion + normalisation throughput, rows/s per stage and peak memory.

    .venv/bin/python bench/bench_ingest.py --preset seed   # the reported scale (minutes)
    .venv/bin/python bench/bench_ingest.py --preset demo   # quick

The baseline in the same run is pandas' own CSV parser reading the accounts file (no
validation), so the ratio shows what the contract's row-level checks cost.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import measured, print_table, progress
from pipelines.contract import load_contracts
from pipelines.generate.presets import PRESETS
from pipelines.generate.world import generate_world
from pipelines.ingest.assets import ingest_source
from pipelines.normalise.assets import TABLES, normalise_table
from pipelines.normalise.usage import combine_usage_days
from pipelines.paths import PipelinePaths
from pipelines.prepare import ingest_usage_days


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="demo", choices=sorted(PRESETS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", default=None, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    root = Path(args.dir or tempfile.mkdtemp(prefix=f"bench-{args.preset}-"))
    paths = PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "work"))
    rows = []
    with measured("generate") as stage:
        summary = generate_world(args.preset, args.seed, root, progress)
        stage.rows = int(sum(v for v in summary.get("rows", {}).values()))
    rows.append(stage)
    for contract in [c for c in load_contracts().values() if not c.large]:
        with measured(f"ingest {contract.source}") as stage:
            report = ingest_source(contract, paths, progress)
            stage.rows = report.read
        rows.append(stage)
    with measured("baseline: pandas.read_csv accounts (no checks)") as stage:
        stage.rows = len(pd.read_csv(paths.landing / "accounts.csv", dtype=str))
    rows.append(stage)
    for table in TABLES:
        with measured(f"normalise {table}") as stage:
            stage.rows = len(normalise_table(table, paths))
        rows.append(stage)
    with measured("ingest + fold api_usage, day by day") as stage:
        stage.rows = ingest_usage_days(paths, progress)
    rows.append(stage)
    with measured("combine usage days") as stage:
        stage.rows = combine_usage_days(paths, progress).requests
    rows.append(stage)
    print_table(f"Generation, ingestion and normalisation — preset {args.preset}, seed "
                f"{args.seed}", ["stage", "rows", "seconds", "rows/s", "peak RSS MB"],
                [[s.name, s.rows, s.seconds, s.rows_per_second, s.peak_rss_mb] for s in rows])
    ingest = next(s for s in rows if s.name == "ingest accounts")
    baseline = next(s for s in rows if s.name.startswith("baseline"))
    ratio = ingest.rows_per_second / max(baseline.rows_per_second, 1e-9)
    print(f"\naccounts: validated ingestion runs at {ratio:.2f}x the rows/s of a bare pandas "
          "CSV read")


if __name__ == "__main__":
    main()
