"""A small hand-built world loaded into the real Neo4j: a pair of accounts sharing a card, and a
coworking billing address shared by more accounts than the hub threshold (a hub)."""

from __future__ import annotations

from pathlib import Path

from neo4j import Driver

from pipelines.investigate.specificity import hub_limit
from pipelines.load.assets import load_graph
from pipelines.load.writer import wipe
from pipelines.paths import PipelinePaths
from pipelines.server.graph import Neo4jResource
from pipelines.server.schema import apply_schema
from tests.landing import account, payment, prepare

HUB_ACCOUNTS = hub_limit("BillingIdentity") + 5  # one coworking address, more than the limit
COWORKING = {"billing_name": "Commonroom Coworking", "billing_address": "1 Shared Street"}


def hub_world() -> dict:
    accounts = [account(f"acc_h{i:02d}", email=f"person{i}@northfield-labs.example")
                for i in range(HUB_ACCOUNTS)] + [account("acc_lone")]
    payments = [payment(f"acc_h{i:02d}", f"fp_own_{i:02d}", **COWORKING)
                for i in range(HUB_ACCOUNTS)]
    payments += [payment("acc_h00", "fp_pair"), payment("acc_h01", "fp_pair")]
    return {"accounts": accounts, "payment_instruments": payments}


def load_hub_world(root: Path, driver: Driver, neo4j: Neo4jResource,
                   database: str) -> PipelinePaths:
    wipe(driver, database)
    apply_schema(driver, database)
    paths = PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "work"))
    prepare(paths, hub_world())
    load_graph(neo4j, paths)
    return paths
