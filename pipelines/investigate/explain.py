"""Why two accounts are (or are not) in one cluster and in one campaign: the evidence path from
the graph, the pair's own score and evidence from the resolution, the chain of campaign-level
links that put two clusters in one campaign, and any analyst judgement on the pair. Every shared
identifier is shown with how many accounts share it and its weight; hubs are left out unless
asked for."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from pipelines.errors import NotFoundError
from pipelines.investigate.queries import bind_parameters, load_query
from pipelines.paths import PipelinePaths
from pipelines.resolve.weights import DEFAULT_WEIGHTS
from pipelines.server.graph import Neo4jResource
from pipelines.tables import read_table, table_path

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
    campaign_a: str | None = None
    campaign_b: str | None = None
    campaign_size: int = 0
    campaign_steps: list[dict] = field(default_factory=list)  # from, to, score, evidence

    @property
    def together(self) -> bool:
        return self.cluster_a is not None and self.cluster_a == self.cluster_b

    @property
    def same_campaign(self) -> bool:
        return self.campaign_a is not None and self.campaign_a == self.campaign_b


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
    _add_campaign_facts(result, paths)
    return result


def _add_pair_facts(result: Explanation, paths: PipelinePaths) -> None:
    low, high = sorted([result.account_a, result.account_b])
    if table_path(paths, "resolved/links").exists():
        links = read_table(paths, "resolved/links")
        pair = links[(links["a"] == low) & (links["b"] == high)]
        if not pair.empty:
            result.pair_score = float(pair["score"].iloc[0])
            result.pair_evidence = json.loads(pair["evidence"].iloc[0])
    if table_path(paths, "normalised/analyst_judgements").exists():
        frame = read_table(paths, "normalised/analyst_judgements")
        refs = {f"account:{low}", f"account:{high}"}
        hits = frame[frame["left_ref"].isin(refs) & frame["right_ref"].isin(refs)]
        if not hits.empty:
            last = hits.sort_values("decided_at").iloc[-1]
            result.judgement = f"{last['verdict']} (by {last['analyst']}, {last['decided_at']})"


def _add_campaign_facts(result: Explanation, paths: PipelinePaths) -> None:
    if not table_path(paths, "resolved/campaigns").exists():
        return
    campaigns = read_table(paths, "resolved/campaigns").set_index("account_id")
    result.campaign_a, result.campaign_b = (
        campaigns["campaign_id"].get(account) for account in (result.account_a, result.account_b))
    if not result.same_campaign or result.together:
        return
    members = campaigns.index[campaigns["campaign_id"] == result.campaign_a]
    result.campaign_size = len(members)
    links = read_table(paths, "resolved/campaign_links")
    links = links[links["a"].isin(members) & links["b"].isin(members)]
    result.campaign_steps = campaign_path(links, result.account_a, result.account_b)


def campaign_path(links: pd.DataFrame, start: str, goal: str) -> list[dict]:
    """The fewest campaign-level links from ``start`` to ``goal``; among paths as short, the one
    whose weakest link is strongest. Steps of from, to, score and evidence; [] when none."""
    neighbours: dict[str, list[tuple[str, int]]] = {}
    for row, (a, b) in enumerate(zip(links["a"], links["b"], strict=True)):
        neighbours.setdefault(a, []).append((b, row))
        neighbours.setdefault(b, []).append((a, row))
    scores = links["score"].astype(float).to_numpy()
    # node -> (weakest score on its best shortest path, previous node, link row)
    best: dict[str, tuple[float, str | None, int]] = {start: (float("inf"), None, -1)}
    level = [start]
    while level and goal not in best:
        reached: dict[str, tuple[float, str | None, int]] = {}
        for here in level:
            for there, row in neighbours.get(here, []):
                weakest = min(best[here][0], scores[row])
                if there not in best and weakest > reached.get(there, (-1.0, None, -1))[0]:
                    reached[there] = (weakest, here, row)
        best.update(reached)
        level = list(reached)
    if goal not in best:
        return []
    steps, here = [], goal
    while best[here][1] is not None:
        _, before, row = best[here]
        steps.append({"from": before, "to": here, "score": float(scores[row]),
                      "evidence": json.loads(links["evidence"].iloc[row])})
        here = before
    return steps[::-1]


def describe_evidence(item: dict, joiner: str = "the account") -> str:
    """One piece of link evidence in words: what was shared, by how many, with what weight.
    The campaign-level kinds that are not a shared value (a burst, a client, a network block, a
    nested piece, weak values held together, exits and schedule, one schedule) link
    ``joiner`` to the operation it joins, named by its anchor account, and say what they
    rest on."""
    kind, weight = item["kind"], float(item.get("weight", 0.0))
    if kind == "burst":
        start = datetime.fromtimestamp(int(item["start"]), UTC).strftime("%Y-%m-%d %H:%M")
        return (f"creation burst: {joiner} is one of {item['accounts']} accounts created in a "
                f"run from {start} UTC (chance at the usual sign-up rate 1e"
                f"{item['log10_p']:.0f}), {item['held']} of them already in the operation of "
                f"{item['value']}; its profile is {item['profile_ratio']:,.0f}x likelier in "
                f"that operation than in the population (weight {weight:.2f})")
    if kind == "agent":
        return (f"client: {joiner} runs the user agent {item['agent']}, shared by "
                f"{item['accounts']} accounts (coherence {item['coherence']:.2f} without the "
                f"agent), {item['held']} of them already in the operation of {item['value']}; its "
                f"profile is {item['profile_ratio']:,.0f}x likelier in that operation than in the "
                f"population (weight {weight:.2f})")
    if kind == "network":
        return (f"network: {joiner} signed up from {item['network']}, one of "
                f"{item['accounts']} accounts from that block (coherence {item['coherence']:.2f}), "
                f"{item['held']} of them already in the operation of {item['value']}; its "
                f"profile is {item['profile_ratio']:,.0f}x likelier in that operation than in the "
                f"population (weight {weight:.2f})")
    if kind == "weak_together":
        return (f"weak values together: {joiner} is in an operation of {item['accounts']} "
                f"accounts that runs, with the operation of {item['value']}, "
                f"{'; '.join(item.get('values', []))}: weak values of two kinds or more, "
                f"each run by accounts that look like one operator (weight {weight:.2f})")
    if kind == "exits_and_schedule":
        return (f"exits and schedule: {joiner} sent {item['exit_share']:.0%} of its requests "
                f"through {item['exits']} exit addresses most of whose users are in the "
                f"operation of {item['value']} ({item['accounts']} accounts), and "
                f"{item['schedule_share']:.0%} of its activity fell in that operation's busy "
                f"buckets, {item['lift']:.1f}x their share of the day (chance 1e"
                f"{item['log10_p']:.0f}) (weight {weight:.2f})")
    if kind == "schedule":
        return (f"one schedule: {joiner} is in an operation of {item['accounts']} accounts "
                f"(of {item['operation']}) busy in the same ten-minute buckets as the operation "
                f"of {item['value']}: {item['common']} buckets, {item['share']:.0%} of its own, "
                f"{item['lift']:.1f}x what the two share a few days apart, in step on "
                f"{item['days']} of the {item['of_days']} days both were busy "
                f"(weight {weight:.2f})")
    if kind == "nested":
        return (f"nested: every operator-level value the piece of {joiner} carries is also "
                f"carried by the operation of {item['value']} ({item['accounts']} accounts): "
                f"{'; '.join(item.get('carried', []))} (weight {weight:.2f})")
    coherence = f", coherence {item['coherence']:.2f}" if "coherence" in item else ""
    return (f"{kind}: {item['value']} (shared by {item['accounts']} accounts, "
            f"weight {weight:.2f}{coherence})")


def _evidence_line(item: dict, step: dict | None = None) -> str:
    """The evidence indented under its step; a burst or nesting names the step's other end."""
    joiner = "the account"
    if step is not None:
        joiner = step["to"] if step["from"] == item.get("value") else step["from"]
    return f"      {describe_evidence(item, joiner)}"


def _campaign_lines(result: Explanation) -> list[str]:
    if result.campaign_a is None and result.campaign_b is None:
        return ["Campaigns: neither account is in a campaign."]
    if not result.same_campaign:
        return [f"NOT IN ONE CAMPAIGN: {result.account_a} → {result.campaign_a or '(none)'}, "
                f"{result.account_b} → {result.campaign_b or '(none)'}"]
    if result.together:
        return [f"Both in campaign {result.campaign_a}."]
    lines = [f"SAME CAMPAIGN {result.campaign_a} ({result.campaign_size} accounts), its clusters "
             f"linked in {len(result.campaign_steps)} step(s) of operator-level evidence:"]
    for step in result.campaign_steps:
        lines.append(f"  {step['from']} — {step['to']}  score {step['score']:.3f}")
        lines.extend(_evidence_line(e, step) for e in step["evidence"])
    return lines


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
    lines.extend(_campaign_lines(result))
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
