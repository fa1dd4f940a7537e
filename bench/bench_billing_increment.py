"""Billing matches by difference against scoring every pair, on one world's last day.

The payments known before the last day train the model and score every pair (the previous
run); the last day's payments are then scored by difference from that state and, as the
baseline, every pair again with the same kept model. Prints seconds, peak RSS, how many profiles
were scored anew and how many scored pairs were read back, and whether the two results are the
same pair for pair.

    .venv/bin/python bench/bench_billing_increment.py --preset demo
    .venv/bin/python bench/bench_billing_increment.py --work /path/to/work   # e.g. bench_seed's
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import measured, print_table, world_parser
from pipelines.paths import PipelinePaths
from pipelines.resolve.fuzzy import billing_matches
from pipelines.resolve.weights import DEFAULT_WEIGHTS
from pipelines.tables import read_table

COMPARED = ["profile_l", "profile_r", "match_probability", "match_weight", "gammas"]


def normalised_payments(args: argparse.Namespace, folder: Path) -> pd.DataFrame:
    if args.work:
        paths = PipelinePaths(landing_dir=str(folder / "landing"), work_dir=args.work)
    else:
        from pipelines.generate.world import generate_world
        from pipelines.prepare import prepare_tables

        generate_world(args.preset, args.seed, folder, progress=lambda _: None)
        paths = PipelinePaths(landing_dir=str(folder / "landing"), work_dir=str(folder / "work"))
        prepare_tables(paths)
    return read_table(paths, "normalised/payment_instruments")


def split_at_last_day(payments: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The payments added before the last day, and that day."""
    day = pd.to_datetime(payments["added_at"], utc=True, errors="coerce").dt.strftime("%Y-%m-%d")
    last = day.max()
    return payments[~(day >= last)], last


def payments_parser(description: str) -> argparse.ArgumentParser:
    """The world a billing benchmark runs on: generated (preset, seed, folder) or ``--work``."""
    parser = world_parser(description, folder="folder for the generated world")
    parser.add_argument("--work", default=None,
                        help="a work folder whose normalised payments to use (no generation)")
    return parser


def main() -> None:
    args = payments_parser(__doc__.splitlines()[0]).parse_args()
    rule = DEFAULT_WEIGHTS.billing_fuzzy
    with tempfile.TemporaryDirectory(prefix="bench-billing-", dir=args.dir) as folder:
        payments = normalised_payments(args, Path(folder))
    before, last = split_at_last_day(payments)
    print(f"{len(before):,} payments before {last}, {len(payments):,} with it", flush=True)
    rows = []
    with measured("previous run: train, score every pair") as stage:
        _, trained = billing_matches(before, rule)
    if trained is None:
        sys.exit("too few billing profiles to train a model on")
    rows.append([stage.name, stage.seconds, stage.peak_rss_mb, trained.changed, 0, "", ""])
    with measured(f"{last} by difference") as stage:
        daily, state = billing_matches(payments, rule, trained)
    rows.append([stage.name, stage.seconds, stage.peak_rss_mb, state.changed,
                 state.reused_pairs, len(daily), ""])
    difference = stage.seconds
    blank = dataclasses.replace(trained, signatures=trained.signatures[:0],
                                scored=trained.scored[:0])
    with measured(f"{last} every pair, kept model (baseline)") as stage:
        full, baseline = billing_matches(payments, rule, blank)
    same = (daily[COMPARED].sort_values(COMPARED[:2]).reset_index(drop=True)
            .equals(full[COMPARED].sort_values(COMPARED[:2]).reset_index(drop=True)))
    rows.append([stage.name, stage.seconds, stage.peak_rss_mb, baseline.changed, 0, len(full),
                 "yes" if same else "NO"])
    rows[1][6] = f"{stage.seconds / max(difference, 1e-9):.1f}x faster"
    print_table(f"Billing matches by difference — {len(state.signatures):,} profiles",
                ["run", "seconds", "peak RSS MB", "profiles scored", "pairs reused", "matches",
                 "same / ratio"], rows)
    if not same:
        sys.exit("the run by difference differs from scoring every pair")


if __name__ == "__main__":
    main()
