"""Campaign scoring, attribution, enforcement export and their evaluation, as assets."""

import json

import dagster as dg
import pandas as pd

from pipelines.attribute.config import AttributionConfig, ScoringConfig
from pipelines.attribute.evaluate import evaluate_attribution
from pipelines.attribute.pipeline import (
    AttributionInputs,
    attribute_campaigns,
    score_campaigns,
    score_level,
)
from pipelines.dagster_meta import INVESTIGATIONS, Step, tables_metadata
from pipelines.load.delta import node_element, relationship_element
from pipelines.load.statements import SWEEP_ATTRIBUTIONS
from pipelines.load.writer import GraphWriter
from pipelines.paths import PipelinePaths
from pipelines.resolve.assets import ground_truth_dir
from pipelines.server.graph import NEO4J_RETRY, Neo4jResource
from pipelines.tables import read_table, write_table

STEP = Step("attribute", INVESTIGATIONS, ("pipelines/attribute",))


def enforcement_list(inputs: AttributionInputs, scores: pd.DataFrame,
                     attributions: pd.DataFrame) -> pd.DataFrame:
    """Account ids of every flagged campaign with the reason and confidence."""
    campaigns = scores[scores["is_campaign"]]
    top = attributions[attributions["rank"] == 1].set_index("campaign_id")
    clusters = inputs.clusters.set_index("account_id")["cluster_id"]
    rows = []
    members = inputs.campaigns[inputs.campaigns["campaign_id"].isin(campaigns.index)]
    for campaign_id, group in members.groupby("campaign_id"):
        features = json.loads(campaigns.at[campaign_id, "features"])
        strongest = sorted(features.items(), key=lambda kv: -kv[1]["contribution"])[:3]
        reason = "; ".join(f"{name}={f['value']:.2f}" for name, f in strongest)
        parent = top["org_id"].get(campaign_id)
        for account_id in sorted(group["account_id"]):
            rows.append({
                "account_id": account_id, "campaign_id": campaign_id,
                "cluster_id": clusters.get(account_id),
                "risk_score": float(campaigns.at[campaign_id, "risk_score"]),
                "attributed_parent": parent,
                "attribution_confidence": float(top["confidence"].get(campaign_id, 0.0)),
                "reason": f"campaign of {len(group)} accounts: {reason}",
            })
    return pd.DataFrame(rows, columns=ENFORCEMENT_COLUMNS)


ENFORCEMENT_COLUMNS = ["account_id", "campaign_id", "cluster_id", "risk_score",
                       "attributed_parent", "attribution_confidence", "reason"]


def attribution_problems(scores: pd.DataFrame, attributions: pd.DataFrame) -> list[str]:
    """What would make the attribution unfit to publish."""
    problems = []
    if not attributions["confidence"].between(0, 1).all():
        problems.append("a confidence outside [0, 1]")
    for campaign_id, ranks in attributions.groupby("campaign_id")["rank"]:
        if sorted(ranks) != list(range(1, len(ranks) + 1)):
            problems.append(f"ranks of {campaign_id} are not 1..n")
    campaigns = set(scores.index[scores["is_campaign"]])
    stray = sorted(set(attributions["campaign_id"]) - campaigns)
    if stray:
        problems.append(f"attributions on campaigns not flagged: {stray[:5]}")
    return problems


SCORED = ["risk_score", "features", "is_campaign", "requests"]


def write_attribution_graph(neo4j: Neo4jResource, scores: pd.DataFrame,
                            cluster_scores: pd.DataFrame, attributions: pd.DataFrame) -> None:
    """Scores on every campaign and cluster and the ranked parents of campaigns, rewritten whole
    (they are few); parents no longer ranked for a campaign are removed."""
    campaigns = node_element("Campaign", scores.reset_index(names="campaign_id"),
                             "campaign_id", SCORED)
    clusters = node_element("Cluster", cluster_scores.reset_index(names="cluster_id"),
                            "cluster_id", SCORED)
    ranked = relationship_element(
        "ATTRIBUTED_TO", attributions, "campaign_id", "org_id",
        ["rank", "confidence", "support", "coverage", "evidence_paths", "conflicting"],
        source="attribution")
    keep = (attributions["campaign_id"] + "|" + attributions["org_id"]).tolist()
    with neo4j.driver() as driver:
        writer = GraphWriter(driver, neo4j.database)
        writer.node_properties("Campaign", campaigns.rows())
        writer.node_properties("Cluster", clusters.rows())
        writer.run(SWEEP_ATTRIBUTIONS, keep=keep)
        writer.relationships("ATTRIBUTED_TO", ranked.rows())


@dg.asset(retry_policy=NEO4J_RETRY, group_name="attribute", deps=["identity_graph"],
          **STEP.asset_args("pandas", "neo4j", "parquet"),
          description="Campaign risk score of every campaign (and cluster), ranked parents of "
          "each flagged campaign, written to Neo4j; enforcement list as CSV and JSON.",
          check_specs=[dg.AssetCheckSpec(
              "attribution_sane", asset="campaign_attribution", blocking=True,
              description="confidences in [0, 1], ranks 1..n per campaign, every attribution "
              "on a flagged campaign")])
def campaign_attribution(context: dg.AssetExecutionContext, neo4j: Neo4jResource,
                         paths: PipelinePaths) -> dg.MaterializeResult:
    inputs = AttributionInputs.from_paths(paths)
    scores = score_campaigns(inputs, ScoringConfig())
    cluster_scores = score_level(inputs, ScoringConfig(), "cluster")
    attributions = attribute_campaigns(inputs, scores, AttributionConfig())
    tables = {"scores": write_table(paths, "attribution/scores", scores.reset_index()),
              "cluster_scores": write_table(paths, "attribution/cluster_scores",
                                            cluster_scores.reset_index()),
              "attributions": write_table(paths, "attribution/attributions", attributions)}
    out = paths.output("attribution")
    enforcement = enforcement_list(inputs, scores, attributions)
    enforcement.to_csv(out / "enforcement.csv", index=False)
    enforcement.to_json(out / "enforcement.json", orient="records", indent=1)
    write_attribution_graph(neo4j, scores, cluster_scores, attributions)
    top = attributions[attributions["rank"] == 1]
    flagged = int(scores["is_campaign"].sum())
    context.log.info(f"{flagged} campaigns flagged")
    problems = attribution_problems(scores, attributions)
    return dg.MaterializeResult(metadata={
        **tables_metadata(tables.pop("scores"), tables),
        "campaigns_flagged": flagged, "campaigns_scored": len(scores),
        "clusters_scored": len(cluster_scores),
        "attributions": dg.MetadataValue.json(top[["campaign_id", "org_id", "confidence"]]
                                              .to_dict("records")),
        "enforcement_accounts": len(enforcement),
        "enforcement_csv": dg.MetadataValue.path(str(out / "enforcement.csv")),
    }, check_results=[dg.AssetCheckResult(check_name="attribution_sane", passed=not problems,
                                          metadata={"problems": dg.MetadataValue.json(problems)})])


@dg.asset(group_name="attribute", deps=["campaign_attribution"],
          **STEP.asset_args("pandas", "json"),
          description="Attribution accuracy against ground truth, when present.")
def attribution_evaluation(context: dg.AssetExecutionContext,
                           paths: PipelinePaths) -> dg.MaterializeResult:
    truth = ground_truth_dir(paths)
    if not (truth / "campaigns.json").exists():
        context.log.info(f"no ground truth in {truth}: nothing to evaluate")
        return dg.MaterializeResult(metadata={"evaluated": False})
    campaigns = read_table(paths, "resolved/campaigns")
    report = evaluate_attribution(
        campaigns.rename(columns={"campaign_id": "cluster_id"}),
        read_table(paths, "attribution/attributions"),
        pd.read_parquet(truth / "accounts.parquet"),
        json.loads((truth / "campaigns.json").read_text()),
        set(json.loads((truth / "legit_org_ids.json").read_text())),
    )
    out = paths.output("evaluation/attribution.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    return dg.MaterializeResult(metadata={
        "attribution_accuracy": report["attribution_accuracy"],
        "legitimate_orgs_named": dg.MetadataValue.json(report["legitimate_orgs_named"]),
        "report": dg.MetadataValue.json(report), "path": dg.MetadataValue.path(str(out)),
    })


attribute_assets = [campaign_attribution, attribution_evaluation]
