"""The end-of-run summary printed by `attrib demo`: what was read, quarantined, clustered and
how good the clustering is against ground truth (when the world has it)."""

from __future__ import annotations

import json

import pandas as pd

from pipelines.paths import PipelinePaths
from pipelines.tables import read_table, table_path


def _quarantined(paths: PipelinePaths) -> tuple[int, list[str]]:
    total, files = 0, []
    folder = paths.work / "quarantine"
    for path in sorted(folder.rglob("*.csv")):  # one file per source, one per usage day
        rows = len(pd.read_csv(path))
        total += rows
        if rows:
            files.append(f"{path.relative_to(folder).as_posix()} ({rows})")
    return total, files


def run_summary(paths: PipelinePaths) -> list[str]:
    lines = []
    total, files = _quarantined(paths)
    lines.append(f"quarantined rows: {total}" + (f" — {', '.join(files)}" if files else ""))
    clusters_file = table_path(paths, "resolved/clusters")
    if clusters_file.exists():
        clusters = pd.read_parquet(clusters_file)
        sizes = clusters.groupby("cluster_id").size().sort_values(ascending=False)
        lines.append(f"clusters: {len(sizes)} holding {int(sizes.sum())} accounts; largest: "
                     + ", ".join(f"{c} ({n})" for c, n in sizes.head(5).items()))
        campaigns = read_table(paths, "resolved/campaigns")
        groups = campaigns.groupby("campaign_id").size()
        lines.append(f"campaign groups (clusters tied by operator-level evidence): {len(groups)}"
                     f" holding {int(groups.sum())} accounts")
    evaluation = paths.output("evaluation/clustering.json")
    if evaluation.exists():
        report = json.loads(evaluation.read_text())
        pw, b3 = report["overall"]["pairwise"], report["overall"]["bcubed"]
        share = report["legit_in_campaign_share"]
        lines.append(f"against ground truth (campaigns): pairwise P {pw['precision']:.4f} "
                     f"R {pw['recall']:.4f}; B-cubed F1 {b3['f1']:.4f}; legitimate accounts in "
                     f"campaign groups {report['legit_in_campaign_clusters']} ({share:.4%})")
    lines.extend(_attribution_lines(paths))
    lines.append(f"outputs: {paths.work}")
    return lines


def _attribution_lines(paths: PipelinePaths) -> list[str]:
    attributions_file = table_path(paths, "attribution/attributions")
    if not attributions_file.exists():
        return []
    scores = read_table(paths, "attribution/scores").set_index("campaign_id")
    attributions = pd.read_parquet(attributions_file)
    names = read_table(paths, "normalised/organisations").set_index("org_id")["legal_name"]
    campaigns = scores[scores["is_campaign"]]
    lines = [f"campaigns found: {len(campaigns)}"]
    top = attributions[attributions["rank"] == 1].set_index("campaign_id")
    for campaign_id, row in campaigns.iterrows():
        parent = top["org_id"].get(campaign_id)
        who = (f"{names.get(parent, parent)} ({parent}), confidence "
               f"{top['confidence'][campaign_id]:.2f}") if parent else "no parent identified"
        lines.append(f"  {campaign_id}: {int(row['accounts'])} accounts, "
                     f"{int(row['requests']):,} exchanges, risk {row['risk_score']:.2f} → {who}")
    evaluation = paths.output("evaluation/attribution.json")
    if evaluation.exists():
        report = json.loads(evaluation.read_text())
        lines.append(f"attribution against ground truth: {report['true_parent_ranked_first']}/"
                     f"{report['campaigns']} true parents ranked first; legitimate "
                     f"organisations named: {len(report['legitimate_orgs_named'])}")
    reports = sorted(paths.output("reports").glob("case-*.html"))
    lines.extend(f"case report: {r}" for r in reports)
    lines.append(f"enforcement list: {paths.output('attribution/enforcement.csv')}")
    return lines
