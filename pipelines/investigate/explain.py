"""Why two accounts are (or are not) in one cluster: the evidence path from the graph, the
pair's own score and evidence from the resolution, and any analyst judgement on the pair. Every
shared identifier is shown with how many accounts share it and its weight; hubs are left out
unless asked for."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from pipelines.errors import NotFoundError
from pipelines.investigate.queries import bind_parameters, load_query
from pipelines.paths import PipelinePaths
from pipelines.resolve.weights import DEFAULT_WEIGHTS
from pipelines.server.graph import Neo4jResource
from pipelines.tables import table_path

HUBS_HIDDEN = "(hubs hidden)"  # the summary row of the shared_identifiers query
ACCOUNT_EXISTS = ("UNWIND $ids AS id OPTIONAL MATCH (a:Account {account_id: id}) "
                  "RETURN id, a IS NOT NULL AS found")


@dataclass
class Explanation:
    account_a: str
    account_b: str
    cluster_a: str | None = None
    cluster_b: str | None = None
    steps: list[dict] = field(default_factory=list)
    shared: list[dict] = field(default_factory=list)
    hubs_hidden: int = 0
    pair_score: float | None = None
    pair_evidence: list[dict] = field(default_factory=list)
    judgement: str | None = None

    @property
    def together(self) -> bool:
        return self.cluster_a is not None and self.cluster_a == self.cluster_b


def missing_accounts(neo4j: Neo4jResource, *account_ids: str) -> list[str]:
    rows = neo4j.read(ACCOUNT_EXISTS, ids=list(account_ids))
    return [r["id"] for r in rows if not r["found"]]


def _library(neo4j: Neo4jResource, name: str, **given: object) -> list[dict]:
    query = load_query(name)
    return neo4j.read(query.text, **bind_parameters(query, given))


def explain(neo4j: Neo4jResource, paths: PipelinePaths, a: str, b: str,
            show_hubs: bool = False) -> Explanation:
    """The explanation; raises NotFoundError when either account is not in the graph."""
    missing = missing_accounts(neo4j, a, b)
    if missing:
        raise NotFoundError(f"not found: no account {' and no account '.join(map(repr, missing))}"
                            " in the graph")
    path = _library(neo4j, "why_linked", account_a=a, account_b=b)
    shared = _library(neo4j, "shared_identifiers", account_a=a, account_b=b, show_hubs=show_hubs)
    result = Explanation(a, b, shared=[s for s in shared if s["kind"] != HUBS_HIDDEN],
                         hubs_hidden=sum(s["accounts_sharing"] for s in shared
                                         if s["kind"] == HUBS_HIDDEN))
    if path:
        row = path[0]
        result.cluster_a, result.cluster_b = row["cluster_a"], row["cluster_b"]
        result.steps = row["steps"]
    _add_pair_facts(result, paths)
    return result


def _add_pair_facts(result: Explanation, paths: PipelinePaths) -> None:
    low, high = sorted([result.account_a, result.account_b])
    links_file = table_path(paths, "resolved/links")
    if links_file.exists():
        links = pd.read_parquet(links_file)
        pair = links[(links["a"] == low) & (links["b"] == high)]
        if not pair.empty:
            result.pair_score = float(pair["score"].iloc[0])
            result.pair_evidence = json.loads(pair["evidence"].iloc[0])
    judgements_file = table_path(paths, "normalised/analyst_judgements")
    if judgements_file.exists():
        frame = pd.read_parquet(judgements_file)
        refs = {f"account:{low}", f"account:{high}"}
        hits = frame[frame["left_ref"].isin(refs) & frame["right_ref"].isin(refs)]
        if not hits.empty:
            last = hits.sort_values("decided_at").iloc[-1]
            result.judgement = f"{last['verdict']} (by {last['analyst']}, {last['decided_at']})"


def _evidence_line(item: dict) -> str:
    return (f"      {item['kind']}: {item['value']} (shared by {item['accounts']} accounts, "
            f"weight {item['weight']:.2f})")


def render(result: Explanation) -> str:
    """The explanation as text an investigator can paste into a case note."""
    lines = [f"{result.account_a} → cluster {result.cluster_a or '(none)'}",
             f"{result.account_b} → cluster {result.cluster_b or '(none)'}"]
    if result.together:
        lines.append(f"SAME CLUSTER, linked in {len(result.steps)} step(s):")
        for step in result.steps:
            lines.append(f"  {step['from']} — {step['to']}  score {step['score']:.3f}")
            lines.extend(_evidence_line(e) for e in step["evidence"])
    else:
        lines.append("NOT IN ONE CLUSTER.")
        if result.pair_score is not None:
            lines.append(f"  their direct link scores {result.pair_score:.3f}, against the "
                         f"threshold {DEFAULT_WEIGHTS.link_threshold}:")
            lines.extend(_evidence_line(e) for e in result.pair_evidence)
        else:
            lines.append("  no candidate link between them (no shared identifier specific "
                         "enough, no synchronised activity).")
    if result.judgement:
        lines.append(f"Analyst judgement on this pair: {result.judgement}")
    if result.shared:
        lines.append("Directly shared identifiers (accounts sharing each; weight the resolver "
                     "gives it):")
        lines.extend(f"  {s['kind']}: {s['value']} (shared by {s['accounts_sharing']} accounts, "
                     f"weight {s['weight']:.2f}; {s['source_a']} / {s['source_b']})"
                     for s in result.shared)
    if result.hubs_hidden:
        lines.append(f"{result.hubs_hidden} shared identifier(s) are hubs (shared by more "
                     "accounts than the resolver's threshold) and link nobody; --show-hubs "
                     "lists them.")
    return "\n".join(lines)
