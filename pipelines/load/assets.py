"""The load asset: writes the identity graph and clusters into Neo4j."""

import time

import dagster as dg
import pandas as pd

from pipelines.graph import NEO4J_RETRY, Neo4jResource
from pipelines.load.identity_graph import (
    GraphInputs,
    sweep_and_count,
    write_clusters,
    write_entities,
    write_run,
)
from pipelines.load.writer import GraphWriter
from pipelines.paths import PipelinePaths
from pipelines.resolve.assets import read_resolution, run_id, snapshot_files
from pipelines.resolve.weights import DEFAULT_WEIGHTS


def graph_inputs(paths: PipelinePaths) -> GraphInputs:
    read = lambda name: pd.read_parquet(paths.normalised(name))  # noqa: E731
    return GraphInputs(
        accounts=read("accounts"), payments=read("payment_instruments"),
        domains=read("domain_registrations"), ip_intel=read("ip_intel"),
        organisations=read("organisations"), ownership=read("ownership"),
        usage_accounts=read("usage_accounts"), usage_ips=read("usage_account_ips"),
    )


def load_graph(neo4j: Neo4jResource, paths: PipelinePaths, log=lambda _: None) -> dict:
    """Write everything for the current snapshot, then sweep what it no longer supports."""
    started = time.monotonic()
    current = run_id(paths)
    with neo4j.driver() as driver:
        writer = GraphWriter(driver, neo4j.database, progress=log)
        resolution = read_resolution(paths)
        write_entities(writer, graph_inputs(paths), resolution, current)
        write_clusters(writer, resolution, DEFAULT_WEIGHTS.link_threshold, current)
        write_run(writer, resolution, current, snapshot_files(paths))
        counts = sweep_and_count(writer, current)
    seconds = time.monotonic() - started
    return {**counts, "writes": writer.stats.writes, "seconds": round(seconds, 1),
            "writes_per_second": round(writer.stats.writes / max(seconds, 1e-9)),
            "run_id": current}


@dg.asset(retry_policy=NEO4J_RETRY, group_name="load", deps=["graph_schema", "resolved_clusters"],
          description="The identity graph in Neo4j: identifiers, organisations, ownership, "
          "strong links with their evidence, clusters.")
def identity_graph(context: dg.AssetExecutionContext, neo4j: Neo4jResource,
                   paths: PipelinePaths) -> dg.MaterializeResult:
    summary = load_graph(neo4j, paths, context.log.info)
    return dg.MaterializeResult(metadata=summary)


load_assets = [identity_graph]
