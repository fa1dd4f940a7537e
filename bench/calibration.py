"""Is attribution confidence calibrated? On generated worlds (seeds given), every rank-1
attribution's confidence against whether it named the true parent of the campaign most of the
cluster's accounts belong to. Prints a reliability table: per confidence band, how many
attributions, their mean confidence and the share that were right.

    .venv/bin/python bench/calibration.py --preset tiny --seeds 3 5 11 19 23 42
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from pipelines.generate.world import generate_world
from pipelines.operate.offline import run_offline
from pipelines.paths import PipelinePaths

BANDS = [0.0, 0.5, 0.8, 0.9, 0.95, 1.0001]
LABELS = ["below 0.50", "0.50 to 0.80", "0.80 to 0.90", "0.90 to 0.95", "0.95 and above"]


def judged_attributions(root: Path, preset: str, seed: int) -> pd.DataFrame:
    """confidence, correct for every rank-1 attribution of one generated world."""
    generate_world(preset, seed, root, progress=lambda _: None)
    paths = PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "work"))
    result = run_offline(paths)
    truth = pd.read_parquet(root / "ground_truth" / "accounts.parquet")
    parents = {c["campaign_id"]: c["parent_org_id"]
               for c in json.loads((root / "ground_truth" / "campaigns.json").read_text())}
    members = result.campaign_members.merge(truth[["account_id", "campaign_id"]],
                                            on="account_id", suffixes=("", "_true"))
    majority = members.groupby("campaign_id")["campaign_id_true"].agg(
        lambda s: s.value_counts(dropna=False).index[0])
    top = result.attributions[result.attributions["rank"] == 1]
    true_parent = top["campaign_id"].map(majority).map(parents)
    return pd.DataFrame({"seed": seed, "confidence": top["confidence"].to_numpy(),
                         "correct": (top["org_id"] == true_parent).to_numpy()})


def reliability(judged: pd.DataFrame) -> pd.DataFrame:
    bands = pd.cut(judged["confidence"], BANDS, right=False, labels=LABELS)
    table = judged.groupby(bands, observed=True).agg(
        attributions=("correct", "size"), mean_confidence=("confidence", "mean"),
        share_correct=("correct", "mean"))
    return table.round(3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--seeds", type=int, nargs="+", default=[3, 5, 11, 19, 23, 42])
    args = parser.parse_args()
    frames = []
    for seed in args.seeds:
        root = Path(tempfile.mkdtemp(prefix=f"calibration-{seed}-"))
        try:
            frames.append(judged_attributions(root, args.preset, seed))
            print(f"seed {seed}: {len(frames[-1])} attributions, "
                  f"{int(frames[-1]['correct'].sum())} right", flush=True)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    judged = pd.concat(frames, ignore_index=True)
    print(f"\npreset {args.preset}, seeds {args.seeds}: {len(judged)} rank-1 attributions")
    print(reliability(judged).to_markdown())


if __name__ == "__main__":
    main()
