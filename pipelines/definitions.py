"""The Dagster code location: wires the steps' assets, checks, jobs and resources together."""

import dagster as dg

from pipelines import schema
from pipelines.graph import Neo4jResource
from pipelines.settings import load_env

load_env()  # .env and non-secret defaults; the password itself is read via EnvVar at run time

main_job = dg.define_asset_job("main", selection=dg.AssetSelection.all(), description=(
    "Everything: ingest, normalise, resolve, load and evaluate the landing folder."
))

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([schema]),
    jobs=[main_job],
    resources={
        "neo4j": Neo4jResource(
            uri=dg.EnvVar("NEO4J_URI"),
            username=dg.EnvVar("NEO4J_USERNAME"),
            password=dg.EnvVar("NEO4J_PASSWORD"),
            database=dg.EnvVar("NEO4J_DATABASE"),
        )
    },
)
