"""The end-of-run summary printed by `attrib demo`: what was read, quarantined, clustered and
how good the clustering is against ground truth (when the world has it)."""

from __future__ import annotations

import json

import pandas as pd

from pipelines.paths import PipelinePaths


def _quarantined(paths: PipelinePaths) -> tuple[int, list[str]]:
    total, files = 0, []
    for path in sorted((paths.work / "quarantine").glob("*.csv")):
        rows = len(pd.read_csv(path))
        total += rows
        if rows:
            files.append(f"{path.name} ({rows})")
    return total, files


def run_summary(paths: PipelinePaths) -> list[str]:
    lines = []
    total, files = _quarantined(paths)
    lines.append(f"quarantined rows: {total}" + (f" — {', '.join(files)}" if files else ""))
    clusters_file = paths.output("resolved/clusters.parquet")
    if clusters_file.exists():
        clusters = pd.read_parquet(clusters_file)
        sizes = clusters.groupby("cluster_id").size().sort_values(ascending=False)
        lines.append(f"clusters: {len(sizes)} holding {int(sizes.sum())} accounts; largest: "
                     + ", ".join(f"{c} ({n})" for c, n in sizes.head(5).items()))
    evaluation = paths.output("evaluation/clustering.json")
    if evaluation.exists():
        report = json.loads(evaluation.read_text())
        pw, b3 = report["overall"]["pairwise"], report["overall"]["bcubed"]
        share = report["legit_in_campaign_share"]
        lines.append(f"against ground truth: pairwise P {pw['precision']:.4f} R {pw['recall']:.4f}"
                     f"; B-cubed F1 {b3['f1']:.4f}; legitimate accounts in campaign clusters "
                     f"{report['legit_in_campaign_clusters']} ({share:.4%})")
    lines.append(f"outputs: {paths.work}")
    return lines
