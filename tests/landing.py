"""Build small landing folders by hand for tests (every source of the contract), and run the
plain-function pipeline over them up to resolution."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.contract import load_contracts
from pipelines.ingest.days import USAGE_FOLDER
from pipelines.paths import PipelinePaths
from pipelines.prepare import prepare_tables
from pipelines.resolve.assets import resolve_from_state, save_resolution
from pipelines.resolve.pipeline import Resolution
from pipelines.snapshot import snapshot

CONTRACTS = load_contracts()


def account(account_id: str, **fields: str) -> dict:
    base = {
        "account_id": account_id, "created_at": "2026-05-01T00:00:00Z",
        "email": f"{account_id}@inboxly-mail.net", "tier": "free", "status": "active",
        "declared_country": "US",
    }
    return {**base, **fields}


def payment(account_id: str, fingerprint: str, **fields: str) -> dict:
    return {"account_id": account_id, "processor_fingerprint": fingerprint,
            "funding_type": "credit", "added_at": "2026-05-01T00:00:00Z", **fields}


def write_landing(landing: Path, **sources: list[dict]) -> None:
    """Write every source (missing ones empty); api_usage as one Parquet file per UTC day."""
    landing.mkdir(parents=True, exist_ok=True)
    for name, contract in CONTRACTS.items():
        rows = sources.get(name, [])
        frame = pd.DataFrame(rows, columns=contract.columns)
        if name == "api_usage":
            frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
            for column in ("input_tokens", "output_tokens"):
                frame[column] = frame[column].astype("int64")
            folder = landing / USAGE_FOLDER
            folder.mkdir(exist_ok=True)
            for day, part in frame.groupby(frame["ts"].dt.strftime("%Y-%m-%d")):
                pq.write_table(pa.Table.from_pandas(part, preserve_index=False),
                               folder / f"{day}.parquet")
        else:
            frame.to_csv(landing / f"{name}.csv", index=False)


def run_pipeline(paths: PipelinePaths, run_id: str = "test-run") -> Resolution:
    """Ingest, normalise and resolve with plain functions; saves state like the assets do."""
    prepare_tables(paths)
    resolution = resolve_from_state(paths, run_id)
    save_resolution(resolution, paths)
    return resolution


def cluster_of(resolution: Resolution, account_id: str) -> str | None:
    hit = resolution.clusters[resolution.clusters["account_id"] == account_id]
    return None if hit.empty else hit["cluster_id"].iloc[0]


def prepare(paths: PipelinePaths, world: dict) -> None:
    """Landing files, resolution and snapshot, as the assets before the load leave them."""
    write_landing(paths.landing, **world)
    snap = snapshot(paths.landing)
    run_pipeline(paths, run_id=snap["run_id"])
    (paths.work / "snapshot.json").write_text(json.dumps(snap))
