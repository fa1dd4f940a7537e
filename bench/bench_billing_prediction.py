"""The billing model's prediction and identity rule against their previous versions.

Both versions of each run on the same profiles, the same trained model and the same scored
pairs.

Two changes are measured, each beside its baseline in one run: the pairs' levels read back from
the weights Splink writes per comparison (``fuzzy.levels_by_weight``) instead of written beside
both sides' compared columns, and the identity rule as it stands against ``--baseline`` (read
from git). Prints seconds, peak RSS and whether each pair of results is the same, and fails if
one is not.

    .venv/bin/python bench/bench_billing_prediction.py --preset demo
    .venv/bin/python bench/bench_billing_prediction.py --work /path/to/work   # e.g. bench_seed's
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_billing_increment import normalised_payments, payments_parser
from bench.common import measured, module_at, print_table, progress
from pipelines.resolve import fuzzy
from pipelines.resolve.billing_increment import tf_lookup, tf_totals
from pipelines.resolve.weights import DEFAULT_WEIGHTS

RULE_BASELINE = "b2bc16d"  # the identity rule before it stopped asking what no case reads
PAIR = ["unique_id_l", "unique_id_r"]


def predict(data: pd.DataFrame, model: dict | None, lookups: dict, threshold: float,
            from_weights: bool) -> tuple[pd.DataFrame, dict]:
    """Scored pairs in a fixed order, levels read back from the weights or written by Splink."""
    read_back = fuzzy.levels_by_weight
    if not from_weights:
        fuzzy.levels_by_weight = lambda settings: None
    try:
        frame, model = fuzzy._splink_scores(data, model, lookups, threshold, narrowed=False)
    finally:
        fuzzy.levels_by_weight = read_back
    return frame.sort_values(PAIR).reset_index(drop=True), model


def main() -> None:
    parser = payments_parser(__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=RULE_BASELINE, metavar="GIT_REF",
                        help="the revision whose identity rule is the baseline")
    args = parser.parse_args()
    threshold = float(DEFAULT_WEIGHTS.billing_fuzzy["min_probability"])
    with tempfile.TemporaryDirectory(prefix="bench-prediction-", dir=args.dir) as folder:
        payments = normalised_payments(args, Path(folder))
    profiles = fuzzy.billing_profiles(payments)
    if len(profiles) < fuzzy.MIN_PROFILES:
        sys.exit(f"{len(profiles)} billing profiles: too few to train a model on")
    data = fuzzy.comparison_frame(profiles)
    lookups = {c: tf_lookup(data, c, total) for c, total in tf_totals(data).items()}
    progress(f"{len(profiles):,} billing profiles: training the model once for both runs")
    _, model = predict(data, None, lookups, threshold, from_weights=True)
    rows = []
    for name, from_weights in (("prediction, levels written by Splink (before)", False),
                               ("prediction, levels from the weights", True)):
        progress(name)
        with measured(name) as stage:
            scored, _ = predict(data, model, lookups, threshold, from_weights)
        rows.append([stage.name, stage.seconds, stage.peak_rss_mb, len(scored), scored])
    before = module_at(args.baseline, "pipelines/resolve/fuzzy.py")
    for name, module in ((f"identity rule ({args.baseline})", before),
                         ("identity rule (now)", fuzzy)):
        progress(name)
        with measured(name) as stage:
            verdicts = module.same_identity(scored, profiles)
        rows.append([stage.name, stage.seconds, stage.peak_rss_mb, int(verdicts.sum()),
                     verdicts])
    same = [rows[0][4].equals(rows[1][4]), rows[2][4].equals(rows[3][4])]
    table = [[*row[:4], ""] for row in rows]
    for first, equal in zip((0, 2), same, strict=True):
        ratio = table[first][1] / max(table[first + 1][1], 1e-9)
        table[first + 1][4] = f"{'same' if equal else 'DIFFERENT'}, {ratio:.2f}x"
    print_table(f"Billing prediction and identity rule — {len(profiles):,} profiles, "
                f"{len(scored):,} pairs over {threshold}",
                ["step", "seconds", "peak RSS MB", "pairs / accepted", "vs the row above"],
                table)
    if not all(same):
        sys.exit("a version differs from its baseline")


if __name__ == "__main__":
    main()
