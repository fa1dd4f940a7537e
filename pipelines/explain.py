"""Why two accounts are (or are not) in one cluster: the evidence path from the graph, the
pair's own score and evidence from the resolution, and any analyst judgement on the pair."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from pipelines.graph import Neo4jResource
from pipelines.paths import PipelinePaths
from pipelines.queries import load_query
from pipelines.resolve.weights import DEFAULT_WEIGHTS


@dataclass
class Explanation:
    account_a: str
    account_b: str
    cluster_a: str | None = None
    cluster_b: str | None = None
    steps: list[dict] = field(default_factory=list)
    shared: list[dict] = field(default_factory=list)
    pair_score: float | None = None
    pair_evidence: list[dict] = field(default_factory=list)
    judgement: str | None = None

    @property
    def together(self) -> bool:
        return self.cluster_a is not None and self.cluster_a == self.cluster_b


def explain(neo4j: Neo4jResource, paths: PipelinePaths, a: str, b: str) -> Explanation:
    path = neo4j.read(load_query("why_linked").text, account_a=a, account_b=b)
    shared = neo4j.read(load_query("shared_identifiers").text, account_a=a, account_b=b)
    result = Explanation(a, b, shared=shared)
    if path:
        row = path[0]
        result.cluster_a, result.cluster_b = row["cluster_a"], row["cluster_b"]
        result.steps = [{**s, "evidence": json.loads(s["evidence"] or "[]")} for s in row["steps"]]
    _add_pair_facts(result, paths)
    return result


def _add_pair_facts(result: Explanation, paths: PipelinePaths) -> None:
    low, high = sorted([result.account_a, result.account_b])
    links_file = paths.output("resolved/links.parquet")
    if links_file.exists():
        links = pd.read_parquet(links_file)
        pair = links[(links["a"] == low) & (links["b"] == high)]
        if not pair.empty:
            result.pair_score = float(pair["score"].iloc[0])
            result.pair_evidence = json.loads(pair["evidence"].iloc[0])
    judgements_file = paths.normalised("analyst_judgements")
    if judgements_file.exists():
        frame = pd.read_parquet(judgements_file)
        refs = {f"account:{low}", f"account:{high}"}
        hits = frame[frame["left_ref"].isin(refs) & frame["right_ref"].isin(refs)]
        if not hits.empty:
            last = hits.sort_values("decided_at").iloc[-1]
            result.judgement = f"{last['verdict']} (by {last['analyst']}, {last['decided_at']})"


def render(result: Explanation) -> str:
    """The explanation as text an investigator can paste into a case note."""
    lines = [f"{result.account_a} → cluster {result.cluster_a or '(none)'}",
             f"{result.account_b} → cluster {result.cluster_b or '(none)'}"]
    if result.together:
        lines.append(f"SAME CLUSTER, linked in {len(result.steps)} step(s):")
        for step in result.steps:
            lines.append(f"  {step['from']} — {step['to']}  score {step['score']:.3f}")
            lines.extend(f"      {e['kind']}: {e['value']} (shared by {e['accounts']}, weight "
                         f"{e['weight']})" for e in step["evidence"])
    else:
        lines.append("NOT IN ONE CLUSTER.")
        if result.pair_score is not None:
            lines.append(f"  their direct link scores {result.pair_score:.3f}, under the "
                         f"threshold {DEFAULT_WEIGHTS.link_threshold}:")
            lines.extend(f"      {e['kind']}: {e['value']} (weight {e['weight']})"
                         for e in result.pair_evidence)
        else:
            lines.append("  no candidate link between them (no shared identifier specific "
                         "enough, no synchronised activity).")
    if result.judgement:
        lines.append(f"Analyst judgement on this pair: {result.judgement}")
    if result.shared:
        lines.append("Directly shared identifiers (a hub counts for little or nothing):")
        lines.extend(f"  {s['kind']}: {s['identifier']} (accounts sharing: "
                     f"{s['accounts_sharing']})" for s in result.shared)
    return "\n".join(lines)
