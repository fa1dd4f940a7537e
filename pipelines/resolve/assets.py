"""Resolution and evaluation assets (thin: the logic is in pipeline.py and evaluate.py)."""

import json
import shutil
from functools import partial
from pathlib import Path

import dagster as dg
import pandas as pd

from pipelines.dagster_meta import INVESTIGATIONS, Step, tables_metadata
from pipelines.paths import PipelinePaths
from pipelines.resolve.billing_increment import BillingState, copy_state, read_state, save_state
from pipelines.resolve.cluster import giant_limit
from pipelines.resolve.evaluate import evaluate
from pipelines.resolve.fuzzy import model_digest
from pipelines.resolve.pipeline import Resolution, ResolutionInputs, oversized_crowds, resolve
from pipelines.resolve.weights import DEFAULT_WEIGHTS
from pipelines.snapshot import snapshot
from pipelines.tables import RESOLVED_TABLES, read_table, table_path, write_table, writers_of

# The weights and thresholds resolution runs by live in resolution.yaml: a changed weight is a
# new code version as much as a changed matcher.
STEP = Step("resolve", INVESTIGATIONS, ("pipelines/resolve", "schemas/reference/resolution.yaml"))
SNAPSHOT_STEP = Step("resolve", INVESTIGATIONS, ("pipelines/snapshot.py", "schemas/reference"))
# Resolution's inputs: its field → the table it reads.
RESOLUTION_READS = {
    "accounts": "normalised/accounts", "payments": "normalised/payment_instruments",
    "domains": "normalised/domain_registrations", "ip_intel": "normalised/ip_intel",
    "organisation_names": "normalised/organisation_names",
    "judgements": "normalised/analyst_judgements",
    "usage_buckets": "normalised/usage_account_buckets",
    "usage_accounts": "normalised/usage_accounts",
    "organisations": "normalised/organisations", "ownership": "normalised/ownership",
    "usage_ips": "normalised/usage_account_ips",
}
# The usage exits are tens of millions of rows at the seed preset, and one late pass reads them
# (exits.py): read when it runs, the columns it uses, account ids and addresses as categories.
EXIT_COLUMNS = {"columns": ["account_id", "source_ip", "requests"],
                "categorical": ("account_id", "source_ip")}
READ_WHEN_USED = {"usage_ips": EXIT_COLUMNS}


def load_inputs(paths: PipelinePaths) -> ResolutionInputs:
    return ResolutionInputs(**{
        field: (partial(read_table, paths, name, **READ_WHEN_USED[field])
                if field in READ_WHEN_USED else read_table(paths, name))
        for field, name in RESOLUTION_READS.items()})


def previous_assignments(paths: PipelinePaths, level: str = "cluster") -> pd.DataFrame:
    """The previous run's account → cluster (or campaign) ids, for stable ids."""
    state = paths.output(f"state/{level}_assignments.parquet")
    if state.exists():
        return pd.read_parquet(state)
    return pd.DataFrame(columns=["account_id", f"{level}_id"])


def billing_state_folder(paths: PipelinePaths, stage: str = "state") -> Path:
    """Where the fuzzy billing state lives: ``resolved`` as this run wrote it, ``state`` as
    the last committed run left it (the one the next run scores by difference from)."""
    return paths.output(f"{stage}/billing_matches")


def previous_billing(paths: PipelinePaths) -> BillingState | None:
    return read_state(billing_state_folder(paths))


def resolve_from_state(paths: PipelinePaths, run: str,
                       inputs: ResolutionInputs | None = None) -> Resolution:
    """Resolve the normalised tables (``inputs`` when already read) against the state the last
    committed run left: its cluster and campaign ids (kept stable) and its billing matches (the
    model kept, pairs scored by difference)."""
    return resolve(inputs if inputs is not None else load_inputs(paths),
                   previous_assignments(paths), run,
                   previous_campaigns=previous_assignments(paths, "campaign"),
                   previous_billing=previous_billing(paths))


def save_resolution(resolution: Resolution, paths: PipelinePaths,
                    advance_state: bool = True) -> None:
    """Write the resolved tables. The cluster state (assignments, history) that the next run
    compares with moves forward only with ``advance_state``; the asset leaves that to the load,
    after the graph has committed, so a run killed before then is recomputed whole."""
    for name in RESOLVED_TABLES:
        write_table(paths, f"resolved/{name}", getattr(resolution, name))
    paths.output("resolved/billing_model.json").write_text(resolution.billing_model or "{}")
    if resolution.billing_state is not None:
        save_state(resolution.billing_state, billing_state_folder(paths, "resolved"))
    else:  # too few profiles to train on: nothing to score by difference next time
        shutil.rmtree(billing_state_folder(paths, "resolved"), ignore_errors=True)
    if advance_state:
        advance_resolution_state(paths)


def advance_resolution_state(paths: PipelinePaths) -> None:
    """Make the resolved clusters and campaigns the state the next run compares with, and add
    the cluster events to the history (replacing this run's own, so a repeat is harmless).
    Atomic per file."""
    clusters = read_table(paths, "resolved/clusters")
    campaigns = read_table(paths, "resolved/campaigns")
    events = read_table(paths, "resolved/history")
    state = paths.output("state/cluster_assignments.parquet")
    state.parent.mkdir(parents=True, exist_ok=True)
    history = paths.output("state/cluster_history.parquet")
    past = pd.read_parquet(history) if history.exists() else events.iloc[0:0]
    if len(events):
        past = past[~past["run_id"].isin(events["run_id"].unique())]
    _replace(history, pd.concat([past, events]))
    _replace(state, clusters[["account_id", "cluster_id"]])
    _replace(paths.output("state/campaign_assignments.parquet"),
             campaigns[["account_id", "campaign_id"]])
    copy_state(billing_state_folder(paths, "resolved"), billing_state_folder(paths))


def _replace(path: Path, frame: pd.DataFrame) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    frame.to_parquet(temporary, index=False)
    temporary.replace(path)


def read_resolution(paths: PipelinePaths, tables: tuple[str, ...] = RESOLVED_TABLES,
                    strong_from: float | None = None) -> Resolution:
    """The resolution's ``tables`` as written; any other table is left empty (the graph needs
    neither the identifiers nor the campaign links, about 3 GB at a million accounts). With
    ``strong_from``, only the links scoring at least that are read (the graph's links)."""
    model = paths.output("resolved/billing_model.json")
    where = {"links": [("score", ">=", strong_from)]} if strong_from is not None else {}
    return Resolution(**{n: read_table(paths, f"resolved/{n}", where=where.get(n))
                         if n in tables else pd.DataFrame() for n in RESOLVED_TABLES},
                      billing_model=model.read_text() if model.exists() else "")


@dg.asset(group_name="resolve", **SNAPSHOT_STEP.asset_args("python", "json"),
          description="Hashes of every landing file; its digest is the run id stamped on "
          "everything this input produces.")
def input_snapshot(paths: PipelinePaths) -> dg.MaterializeResult:
    snap = snapshot(paths.landing)
    out = paths.output("snapshot.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(snap, indent=2))
    return dg.MaterializeResult(metadata={"run_id": snap["run_id"],
                                          "files": dg.MetadataValue.json(snap["files"]),
                                          "path": dg.MetadataValue.path(str(out))})


def run_id(paths: PipelinePaths) -> str:
    return json.loads(paths.output("snapshot.json").read_text())["run_id"]


def snapshot_files(paths: PipelinePaths) -> dict[str, str]:
    return json.loads(paths.output("snapshot.json").read_text())["files"]


@dg.asset(
    group_name="resolve", **STEP.asset_args("pandas", "splink", "parquet"),
    deps=["input_snapshot", *writers_of(list(RESOLUTION_READS.values()))],
    description="Scored account links, stable clusters and organisation matches.",
    check_specs=[dg.AssetCheckSpec("no_giant_cluster", asset="resolved_clusters",
                                   blocking=True, description="no cluster holding more than "
                                   "10 % of all accounts looks like a crowd (hubs merging the "
                                   "world would make one; a large coherent operation is not)")],
)
def resolved_clusters(context: dg.AssetExecutionContext,
                      paths: PipelinePaths) -> dg.MaterializeResult:
    inputs = load_inputs(paths)
    resolution = resolve_from_state(paths, run_id(paths), inputs)
    save_resolution(resolution, paths, advance_state=False)  # the load advances it
    sizes = resolution.clusters.groupby("cluster_id").size()
    largest = int(sizes.max()) if len(sizes) else 0
    weights = DEFAULT_WEIGHTS
    limit = giant_limit(len(inputs.accounts), weights.giant_share, weights.giant_min_accounts)
    crowds = oversized_crowds(resolution.clusters, "cluster_id", inputs, limit)
    campaigns = resolution.campaigns.groupby("campaign_id").size()
    context.log.info(f"{len(sizes):,} clusters; largest {largest:,} accounts; "
                     f"{len(campaigns):,} campaign groups")
    billing = resolution.billing_state
    if billing is not None:
        context.log.info(f"billing profiles: {len(billing.signatures):,}, scored anew "
                         f"{billing.changed:,}; {billing.reused_pairs:,} scored pairs read "
                         f"from the previous run; model trained on {billing.trained_on:,}")
    tables = {name: table_path(paths, f"resolved/{name}") for name in RESOLVED_TABLES}
    return dg.MaterializeResult(
        metadata={
            **tables_metadata(tables.pop("clusters"), tables),
            "clusters": len(sizes), "clustered_accounts": int(sizes.sum()) if len(sizes) else 0,
            "largest_cluster": largest, "candidate_pairs": len(resolution.links),
            "campaign_groups": len(campaigns),
            "billing_model": model_digest(resolution.billing_model),
            "billing_profiles_scored_anew": billing.changed if billing else 0,
            "billing_pairs_reused": billing.reused_pairs if billing else 0,
            "largest_campaign_group": int(campaigns.max()) if len(campaigns) else 0,
            "history": dg.MetadataValue.json(
                resolution.history["event"].value_counts().to_dict()),
            "org_matches": dg.MetadataValue.json(
                resolution.org_matches.groupby(["subject_kind", "method"]).size()
                .rename("n").reset_index().to_dict("records")),
        },
        check_results=[dg.AssetCheckResult(
            check_name="no_giant_cluster", passed=not crowds,
            metadata={"largest": largest, "limit": limit,
                      "oversized_crowds": dg.MetadataValue.json(crowds)})],
    )


def ground_truth_dir(paths: PipelinePaths) -> Path:
    return paths.landing.parent / "ground_truth"


@dg.asset(group_name="resolve", deps=["resolved_clusters"], **STEP.asset_args("pandas", "json"),
          description="Precision/recall of the campaigns (and of the clusters) against ground "
          "truth, when present.")
def clustering_evaluation(context: dg.AssetExecutionContext,
                          paths: PipelinePaths) -> dg.MaterializeResult:
    truth_file = ground_truth_dir(paths) / "accounts.parquet"
    if not truth_file.exists():
        context.log.info(f"no ground truth at {truth_file}: nothing to evaluate")
        return dg.MaterializeResult(metadata={"evaluated": False})
    truth = pd.read_parquet(truth_file)
    campaigns = read_table(paths, "resolved/campaigns")
    clusters = read_table(paths, "resolved/clusters")
    # Headline: the campaign grouping (what an operation is); the cluster grouping beside it.
    report = evaluate(campaigns.rename(columns={"campaign_id": "cluster_id"}), truth)
    report["level"] = "campaign"
    report["cluster_level"] = evaluate(clusters, truth)
    out = paths.output("evaluation/clustering.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    overall = report["overall"]
    return dg.MaterializeResult(metadata={
        "pairwise_precision": overall["pairwise"]["precision"],
        "pairwise_recall": overall["pairwise"]["recall"],
        "bcubed_f1": overall["bcubed"]["f1"],
        "cluster_pairwise_recall": report["cluster_level"]["overall"]["pairwise"]["recall"],
        "legit_in_campaign_share": report["legit_in_campaign_share"],
        "report": dg.MetadataValue.json(report), "path": dg.MetadataValue.path(str(out)),
    })


resolve_assets = [input_snapshot, resolved_clusters, clustering_evaluation]
