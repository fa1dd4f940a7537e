"""The load asset: writes the identity graph and clusters into Neo4j."""

import time

import dagster as dg
import pandas as pd

from pipelines.dagster_meta import DATA_ENGINEERING, Step
from pipelines.ingest.shrink import record_last_good, refuse_usage_shrink
from pipelines.load.bulk import bulk_rebuild
from pipelines.load.delta import Element, Manifest, finish_load, open_manifest, sync_elements
from pipelines.load.identity_graph import (
    GRAPH_RESOLUTION,
    GraphInputs,
    count_graph,
    graph_elements,
    write_run,
)
from pipelines.load.writer import GraphWriter
from pipelines.operate.runlock import hold_work_folder
from pipelines.paths import PipelinePaths
from pipelines.resolve.assets import (
    advance_resolution_state,
    read_resolution,
    run_id,
    snapshot_files,
)
from pipelines.resolve.weights import DEFAULT_WEIGHTS
from pipelines.server.graph import NEO4J_RETRY, Neo4jResource
from pipelines.tables import read_table, writers_of

STEP = Step("load", DATA_ENGINEERING, ("pipelines/load",))
# The graph's inputs: its field → the table it reads. Every writer of one is a dependency: when
# one source fails at ingestion, the load is skipped instead of writing the graph from a stale
# (or missing) copy of that table.
GRAPH_READS = {
    "accounts": "normalised/accounts", "payments": "normalised/payment_instruments",
    "domains": "normalised/domain_registrations", "ip_intel": "normalised/ip_intel",
    "organisations": "normalised/organisations", "ownership": "normalised/ownership",
    "usage_accounts": "normalised/usage_accounts", "usage_ips": "normalised/usage_account_ips",
}


# Columns read as categories: tens of millions of rows over a million accounts and as many
# addresses (at the seed preset, gigabytes less than as Python strings).
CATEGORICAL = {"usage_ips": ("account_id", "source_ip")}


def graph_inputs(paths: PipelinePaths) -> GraphInputs:
    return GraphInputs(**{field: read_table(paths, name, categorical=CATEGORICAL.get(field, ()))
                          for field, name in GRAPH_READS.items()})


def graph_to_write(paths: PipelinePaths) -> tuple[list[Element], pd.DataFrame]:
    """The graph's elements and the cluster events to record. Only the strong links are read,
    and the resolution is let go once the elements are built: at a million accounts it is
    gigabytes the writing does not need."""
    threshold = DEFAULT_WEIGHTS.link_threshold
    resolution = read_resolution(paths, GRAPH_RESOLUTION, strong_from=threshold)
    return graph_elements(graph_inputs(paths), resolution, threshold), resolution.history


def load_graph(neo4j: Neo4jResource, paths: PipelinePaths, log=lambda _: None) -> dict:
    """Bring the graph to what the current snapshot supports, writing only the difference."""
    started = time.monotonic()
    refuse_usage_shrink(paths)  # before any write: a truncated usage history deletes nothing
    current = run_id(paths)
    elements, history = graph_to_write(paths)
    folder = paths.output("state/graph")
    imported = bulk_rebuild(neo4j, elements, Manifest(folder), paths.output("tmp/import"), log)
    with neo4j.driver() as driver:
        writer = GraphWriter(driver, neo4j.database, progress=log)
        if imported is None:
            manifest, rebuilt = open_manifest(writer, folder)
            changes = sync_elements(writer, manifest, elements)
        else:
            manifest, rebuilt, changes = Manifest(folder), True, imported
        write_run(writer, history, current, snapshot_files(paths))
        finish_load(writer, manifest)
        counts = count_graph(writer)
    # The graph has committed: only now do the cluster state and the counts a later run is
    # compared with move forward (a run killed before this point is recomputed whole).
    advance_resolution_state(paths)
    record_last_good(paths)
    seconds = time.monotonic() - started
    return {**counts, "writes": writer.stats.writes, "seconds": round(seconds, 1),
            "writes_per_second": round(writer.stats.writes / max(seconds, 1e-9)),
            "run_id": current, "rebuilt": rebuilt,
            "method": "transactional" if imported is None else "bulk import",
            "imported": sum(c["written"] for c in imported.values()) if imported else 0,
            "changes": changes}


@dg.asset(retry_policy=NEO4J_RETRY, group_name="load", **STEP.asset_args("neo4j", "pandas"),
          deps=["graph_schema", "resolved_clusters", *writers_of(list(GRAPH_READS.values()))],
          description="The identity graph in Neo4j: identifiers, organisations, ownership, "
          "strong links with their evidence, clusters.")
def identity_graph(context: dg.AssetExecutionContext, neo4j: Neo4jResource,
                   paths: PipelinePaths) -> dg.MaterializeResult:
    hold_work_folder(context, paths.work)
    summary = load_graph(neo4j, paths, context.log.info)
    written = {kind: c["written"] + c["deleted"] for kind, c in summary.pop("changes").items()}
    return dg.MaterializeResult(metadata={
        **summary, "changed_by_kind": dg.MetadataValue.json(written)})


load_assets = [identity_graph]
