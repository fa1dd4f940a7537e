"""The Dagster code location: wires the steps' assets, checks, jobs and resources together."""

import os

import dagster as dg

from pipelines.attribute.assets import attribute_assets
from pipelines.ingest.assets import ingest_assets
from pipelines.load.assets import load_assets
from pipelines.normalise.assets import normalise_assets
from pipelines.operate.triggers import build_operations
from pipelines.paths import DEFAULT_LANDING, DEFAULT_WORK, PipelinePaths
from pipelines.report.assets import report_assets
from pipelines.resolve.assets import resolve_assets
from pipelines.server import schema
from pipelines.server.graph import Neo4jResource
from pipelines.settings import load_env

load_env()  # .env and non-secret defaults; the password itself is read via EnvVar at run time
os.environ.setdefault("ATTRIB_LANDING_DIR", DEFAULT_LANDING)
os.environ.setdefault("ATTRIB_WORK_DIR", DEFAULT_WORK)

main_job = dg.define_asset_job("main", selection=dg.AssetSelection.all(), description=(
    "Ingest the usage days of the partition (range) asked for, then rebuild everything derived "
    "and update the graph, clusters and attributions."
))

assets = [*dg.load_assets_from_modules([schema]), *ingest_assets, *normalise_assets,
          *resolve_assets, *load_assets, *attribute_assets, *report_assets]
schedules, sensors = build_operations(main_job, [key for a in assets for key in a.keys])

defs = dg.Definitions(
    schedules=schedules,
    sensors=sensors,
    assets=assets,
    jobs=[main_job],
    resources={
        "paths": PipelinePaths(
            landing_dir=dg.EnvVar("ATTRIB_LANDING_DIR"), work_dir=dg.EnvVar("ATTRIB_WORK_DIR")
        ),
        "neo4j": Neo4jResource(
            uri=dg.EnvVar("NEO4J_URI"),
            username=dg.EnvVar("NEO4J_USERNAME"),
            password=dg.EnvVar("NEO4J_PASSWORD"),
            database=dg.EnvVar("NEO4J_DATABASE"),
        )
    },
)
