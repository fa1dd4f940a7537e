"""The billing model's prediction windows: the current size against a baseline size.

A blocking key shared by more profiles than the window is compared in windows of neighbours
(``fuzzy.windowed_keys``). Both window sizes run on the same profiles with one trained model;
the table gives Splink's seconds, the pairs it scores, the pairs the identity rule accepts and,
where the world's ground truth is beside it, the account pairs of one campaign that the accepted
pairs join (through chains of them) and those they join across a campaign's edge (two campaigns,
or a campaign and a legitimate account).

    .venv/bin/python bench/bench_billing_windows.py --preset demo
    .venv/bin/python bench/bench_billing_windows.py --work /path/to/work --sample 0.25
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_billing_increment import normalised_payments, payments_parser
from bench.common import measured, print_table, progress
from pipelines.resolve import fuzzy
from pipelines.resolve.billing_increment import tf_lookup, tf_totals
from pipelines.resolve.weights import DEFAULT_WEIGHTS

BASELINE_WINDOW = 100  # the prediction window before the twenty-second stop


def campaign_of(profiles: pd.DataFrame, truth: Path) -> pd.Series | None:
    """Per profile, the campaign of its first account (None: legitimate), if ``truth`` exists."""
    if not truth.exists():
        return None
    campaigns = pd.read_parquet(truth).set_index("account_id")["campaign_id"]
    return profiles["accounts"].map(lambda accounts: campaigns.get(accounts[0]))


def joined_pairs(pairs: list[tuple[int, int]], profiles: pd.DataFrame, campaign: pd.Series
                 ) -> tuple[int, int]:
    """Account pairs the accepted profile pairs join: within one campaign, and across one's
    edge (legitimate accounts joined to each other count in neither)."""
    n = len(profiles)
    left, right = (np.array([p[i] for p in pairs], dtype="int64") for i in (0, 1))
    graph = coo_matrix((np.ones(len(pairs)), (left, right)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    frame = pd.DataFrame({"component": component, "campaign": campaign.fillna("-").to_numpy(),
                          "accounts": profiles["accounts"].map(len).to_numpy()})
    frame = frame[frame["component"].isin(component[left])]
    per = frame.groupby(["component", "campaign"])["accounts"].sum().reset_index()
    total = per.groupby("component")["accounts"].sum()
    within = per[per["campaign"] != "-"]["accounts"]
    same = int((within * (within - 1) // 2).sum())
    other = int((total * (total - 1) // 2).sum() - (per["accounts"] * (per["accounts"] - 1)
                                                     // 2).sum())
    return same, other


def main() -> None:
    parser = payments_parser(__doc__.splitlines()[0])
    parser.add_argument("--sample", type=float, default=1.0,
                        help="share of the billing profiles to use (default: all)")
    parser.add_argument("--baseline-window", type=int, default=BASELINE_WINDOW)
    args = parser.parse_args()
    threshold = float(DEFAULT_WEIGHTS.billing_fuzzy["min_probability"])
    with tempfile.TemporaryDirectory(prefix="bench-windows-", dir=args.dir) as folder:
        payments = normalised_payments(args, Path(folder))
        truth = (Path(args.work).parent if args.work else Path(folder)) / "ground_truth"
        profiles = fuzzy.billing_profiles(payments)
        if args.sample < 1.0:
            profiles = profiles.sample(frac=args.sample, random_state=1)
        profiles = profiles.reset_index(drop=True).assign(unique_id=lambda p: np.arange(len(p)))
        campaign = campaign_of(profiles, truth / "accounts.parquet")
    if len(profiles) < fuzzy.MIN_PROFILES:
        sys.exit(f"{len(profiles)} billing profiles: too few to train a model on")
    rule = fuzzy.IdentityRule(profiles)
    model, rows = None, []
    for window in (args.baseline_window, fuzzy.PREDICTION_WINDOW):
        name = f"window {window}" + (" (now)" if window == fuzzy.PREDICTION_WINDOW else "")
        progress(name)
        data = fuzzy.comparison_frame(profiles, window)
        lookups = {c: tf_lookup(data, c, total) for c, total in tf_totals(data).items()}
        if model is None:
            _, model = fuzzy._splink_scores(data.assign(changed=True), None, lookups, threshold,
                                            narrowed=False)
        with measured(name) as stage:
            scored, _ = fuzzy._splink_scores(data.assign(changed=True), model, lookups,
                                             threshold, narrowed=False)
        accepted = [(a, b) for a, b in zip(scored["unique_id_l"], scored["unique_id_r"],
                                           strict=True) if rule.same(a, b)]
        joined = joined_pairs(accepted, profiles, campaign) if campaign is not None else ("", "")
        rows.append([stage.name, stage.seconds, stage.peak_rss_mb, len(scored), len(accepted),
                     *joined])
    rows[1].append(f"{rows[0][1] / max(rows[1][1], 1e-9):.2f}x")
    rows[0].append("")
    print_table(f"Billing prediction windows — {len(profiles):,} profiles, pairs over {threshold}",
                ["prediction", "seconds", "peak RSS MB", "scored", "accepted",
                 "campaign pairs joined", "other pairs joined", "speed-up"], rows)


if __name__ == "__main__":
    main()
