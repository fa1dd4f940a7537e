"""API usage lands as one file per UTC day, ``<landing>/api_usage/YYYY-MM-DD.parquet`` (or
``.csv``). Each day is ingested once: a sidecar next to the output records the digest of the file
it came from, so an unchanged day is skipped and a replaced day (a backfill) is re-ingested."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.errors import ContractError
from pipelines.ingest.reader import checked_landing_path
from pipelines.snapshot import file_digest

USAGE_FOLDER = "api_usage"
DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(parquet|csv)$")
# Bump when ingestion or aggregation of a day changes, so that every day is redone once.
DAY_FORMAT_VERSION = "2"


def usage_day_files(landing: Path) -> dict[str, Path]:
    """Day → file in the landing folder's ``api_usage/`` (Parquet wins over CSV)."""
    single = [p for p in (checked_landing_path(landing, "api_usage.parquet"),
                          checked_landing_path(landing, "api_usage.csv")) if p is not None]
    if single:
        raise ContractError(
            f"{single[0]} is one file for every day, but usage lands as one file per UTC day: "
            f"{landing / USAGE_FOLDER}/YYYY-MM-DD.parquet. Split it with "
            f"`attrib split-usage {single[0]}` (it writes the day files and removes nothing)."
        )
    folder = landing / USAGE_FOLDER
    if folder.is_symlink():
        checked_landing_path(landing, f"{USAGE_FOLDER}/any")  # refuses the link, never follows
    if not folder.is_dir():
        return {}
    days: dict[str, Path] = {}
    strays = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        checked_landing_path(landing, f"{USAGE_FOLDER}/{path.name}")  # a regular file, or refused
        match = DAY_FILE.match(path.name)
        if not match or not _is_date(match.group(1)):
            strays.append(path.name)
            continue
        if match.group(2) == "parquet" or match.group(1) not in days:
            days[match.group(1)] = path
    if strays:
        raise ContractError(
            f"{folder} holds files that are not named YYYY-MM-DD.parquet or YYYY-MM-DD.csv: "
            f"{', '.join(strays[:5])}. Rename them after the UTC day they cover, or move them "
            "out of the landing folder; nothing in them would be loaded otherwise."
        )
    return days


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def day_bounds(day: str) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


class DaySidecar:
    """``<output>.json``: which landing file (by digest) an output was built from."""

    def __init__(self, output: Path) -> None:
        self.path = output.with_suffix(".json")

    def source_digest(self) -> str | None:
        if not self.path.exists():
            return None
        record = json.loads(self.path.read_text())
        return record["source_digest"] if record.get("version") == DAY_FORMAT_VERSION else None

    def read(self) -> dict:
        return json.loads(self.path.read_text())

    def write(self, source_digest: str, **details: object) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {"version": DAY_FORMAT_VERSION, "source_digest": source_digest, **details}
        temporary = self.path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(record, indent=1, default=str))
        temporary.replace(self.path)  # written last and atomically: a killed run leaves no lie


def landing_digest(path: Path | None) -> str:
    """The digest of a day's landing file; an absent day has a digest too (no usage)."""
    return file_digest(path) if path is not None else "absent"


def split_usage_file(path: Path, landing: Path, progress: Callable[[str], None] = print) -> dict:
    """Write ``landing/api_usage/<day>.parquet`` for every UTC day in one big usage export."""
    if path.suffix != ".parquet":
        raise ContractError(f"{path}: only a Parquet export can be split; for CSV, export one "
                            "file per day from the source system.")
    table = pq.read_table(path)
    if "ts" not in table.column_names:
        raise ContractError(f"{path} has no ts column, so it cannot be split by day.")
    ts = table["ts"]
    if not pa.types.is_timestamp(ts.type):
        ts = pc.strptime(ts, format="%Y-%m-%dT%H:%M:%S%z", unit="us", error_is_null=True)
    days = pc.strftime(pc.cast(ts, pa.timestamp("us", tz="UTC")), format="%Y-%m-%d")
    folder = landing / USAGE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for day in sorted(d for d in pc.unique(days).to_pylist() if d is not None):
        part = table.filter(pc.equal(days, day))
        pq.write_table(part, folder / f"{day}.parquet", compression="zstd")
        written[day] = part.num_rows
        progress(f"  {day}: {part.num_rows:,} rows")
    undated = table.num_rows - sum(written.values())
    if undated:
        pq.write_table(table.filter(pc.is_null(days)), folder / "undated.parquet")
        progress(f"  {undated:,} rows have no readable ts: left in {folder / 'undated.parquet'}"
                 " (rename it to a day to have them quarantined, or fix them at the source)")
    return written
