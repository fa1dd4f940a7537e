"""Replay a generated world day by day: the landing folder as the exports would have looked at
the end of a given day (accounts created and cards added by then, usage files up to that day,
reference exports whole). Tests and benchmarks drive incremental runs with it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from pipelines.ingest.days import USAGE_FOLDER, usage_day_files

DATED_EXPORTS = {"accounts.csv": "created_at", "payment_instruments.csv": "added_at"}


def _known_by(frame: pd.DataFrame, column: str, day: str) -> pd.Series:
    """Rows dated on or before ``day``; undated or unreadable rows are in every export (they
    are the ones the pipeline must quarantine, whatever the day)."""
    when = pd.to_datetime(frame[column], errors="coerce", utc=True, format="ISO8601")
    return when.isna() | (when.dt.strftime("%Y-%m-%d") <= day)


def landing_as_of(world_landing: Path, out: Path, day: str) -> list[str]:
    """Write ``out`` as the landing folder at the end of ``day``; return its usage days.

    Usage files already in ``out`` are left untouched (a real drop adds the new day's file, it
    does not rewrite the others), so their modification times stay those of the first drop."""
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(world_landing.glob("*.csv")):
        column = DATED_EXPORTS.get(path.name)
        if column is None:
            _copy_if_changed(path, out / path.name)
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        snapshot = frame[_known_by(frame, column, day)].to_csv(index=False, lineterminator="\n")
        target = out / path.name
        if not target.exists() or target.read_text(encoding="utf-8") != snapshot:
            target.write_text(snapshot, encoding="utf-8")
    (out / USAGE_FOLDER).mkdir(exist_ok=True)
    days = []
    for usage_day, path in usage_day_files(world_landing).items():
        if usage_day <= day:
            _copy_if_changed(path, out / USAGE_FOLDER / path.name)
            days.append(usage_day)
    return days


def _copy_if_changed(source: Path, target: Path) -> None:
    if not target.exists() or target.read_bytes() != source.read_bytes():
        shutil.copyfile(source, target)
