"""The facts of one case, gathered from the work folder: everything a report shows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from pipelines.attribute.attribution import controlling_parent, ownership_chain
from pipelines.paths import PipelinePaths


@dataclass
class CaseTables:
    """The work-folder tables every case report reads, loaded once."""

    attributions: pd.DataFrame
    scores: pd.DataFrame
    clusters: pd.DataFrame
    links: pd.DataFrame
    organisations: pd.DataFrame
    ownership: pd.DataFrame
    usage_days: pd.DataFrame
    usage_accounts: pd.DataFrame
    snapshot: dict

    @classmethod
    def from_paths(cls, paths: PipelinePaths) -> CaseTables:
        out = lambda n: pd.read_parquet(paths.output(n))  # noqa: E731
        norm = lambda n: pd.read_parquet(paths.normalised(n))  # noqa: E731
        return cls(
            attributions=out("attribution/attributions.parquet"),
            scores=out("attribution/scores.parquet").set_index("campaign_id"),
            clusters=out("resolved/campaigns.parquet"), links=out("resolved/links.parquet"),
            organisations=norm("organisations"), ownership=norm("ownership"),
            usage_days=norm("usage_account_days"), usage_accounts=norm("usage_accounts"),
            snapshot=json.loads(paths.output("snapshot.json").read_text()),
        )


@dataclass
class Case:
    org_id: str
    legal_name: str
    country: str
    clusters: list[dict]
    accounts: list[str]
    exchanges: int
    first_activity: str
    last_activity: str
    daily: pd.DataFrame  # day, requests
    ownership: list[dict]
    evidence: list[dict]
    counter_evidence: list[dict]
    graph_edges: pd.DataFrame  # a, b, score
    run_id: str
    files: dict[str, str] = field(default_factory=dict)


def parents(tables: CaseTables) -> list[str]:
    """Organisations ranked first for at least one campaign cluster."""
    return sorted(set(tables.attributions.loc[tables.attributions["rank"] == 1, "org_id"]))


def build_case(tables: CaseTables, org_id: str) -> Case:
    top = tables.attributions[(tables.attributions["rank"] == 1)
                              & (tables.attributions["org_id"] == org_id)]
    campaign_ids = sorted(top["campaign_id"])
    members = tables.clusters[tables.clusters["campaign_id"].isin(campaign_ids)]
    accounts = sorted(members["account_id"])
    usage = tables.usage_accounts[tables.usage_accounts["account_id"].isin(accounts)]
    daily = (tables.usage_days[tables.usage_days["account_id"].isin(accounts)]
             .groupby("day")["requests"].sum().reset_index())
    org = tables.organisations.set_index("org_id")
    return Case(
        org_id=org_id, legal_name=str(org.at[org_id, "legal_name"]),
        country=str(org.at[org_id, "country"]),
        clusters=[_cluster_row(tables, row) for row in top.itertuples()],
        accounts=accounts, exchanges=int(usage["requests"].sum()),
        first_activity=str(usage["first_ts"].min())[:19],
        last_activity=str(usage["last_ts"].max())[:19], daily=daily,
        ownership=_ownership(tables, org_id), evidence=_evidence(top),
        counter_evidence=[c for row in top.itertuples() for c in json.loads(row.conflicting)],
        graph_edges=_edges(tables, set(accounts)),
        run_id=tables.snapshot["run_id"], files=tables.snapshot["files"],
    )


def _cluster_row(tables: CaseTables, row) -> dict:
    score = tables.scores.loc[row.campaign_id]
    features = json.loads(score["features"])
    return {"cluster_id": row.campaign_id, "accounts": int(score["accounts"]),
            "risk_score": float(score["risk_score"]), "confidence": float(row.confidence),
            "coverage": float(row.coverage),
            "features": sorted(features.items(), key=lambda kv: -kv[1]["contribution"])}


def _ownership(tables: CaseTables, org_id: str) -> list[dict]:
    """Every organisation the parent controls, with the chain from it up to the parent."""
    controllers = controlling_parent(tables.ownership)
    names = tables.organisations.set_index("org_id")["legal_name"]
    rows = []
    for child in sorted(controllers):
        chain = ownership_chain(child, controllers)
        if chain[-1] == org_id and child != org_id:
            rows.append({"org_id": child, "name": names.get(child, child),
                         "chain": " → ".join(names.get(c, c) for c in chain)})
    stakes = tables.ownership[tables.ownership["parent_org_id"] == org_id]
    for child, pct, kind in zip(stakes["child_org_id"], stakes["percentage"],
                                stakes["relationship"], strict=True):
        if child not in {r["org_id"] for r in rows}:
            rows.append({"org_id": child, "name": names.get(child, child),
                         "chain": f"{kind} {pct:.0f} % (no control)"})
    return rows


def _evidence(top: pd.DataFrame) -> list[dict]:
    rows = []
    for record in top.itertuples():
        for path in json.loads(record.evidence_paths):
            for item in path["evidence"]:
                rows.append({"cluster_id": record.campaign_id, "kind": item["kind"],
                             "via_org": path["via_org"], "chain": " → ".join(path["chain"]),
                             "accounts": item["accounts"], "match": item["match"]})
    return sorted(rows, key=lambda r: (-r["accounts"], -r["match"]))


MAX_DRAWN_ACCOUNTS = 400  # a readable picture, and a layout that needs no sparse solver


def _edges(tables: CaseTables, accounts: set[str], limit: int = 400) -> pd.DataFrame:
    """The strongest links, as many as fit while the picture shows at most 400 accounts."""
    links = tables.links[tables.links["a"].isin(accounts) & tables.links["b"].isin(accounts)]
    strongest = links.sort_values("score", ascending=False).head(limit)[["a", "b", "score"]]
    drawn: set[str] = set()
    shown = 0
    for a, b in zip(strongest["a"], strongest["b"], strict=True):
        if len(drawn | {a, b}) > MAX_DRAWN_ACCOUNTS:
            break
        drawn |= {a, b}
        shown += 1
    return strongest.head(shown)
