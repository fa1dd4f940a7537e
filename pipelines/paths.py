"""Where the pipeline reads landing files and writes its intermediate and output files."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines.settings import PROJECT_ROOT

DEFAULT_LANDING = "data/demo/landing"
DEFAULT_WORK = "out/demo"


def _absolute(path: str) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else PROJECT_ROOT / candidate


class PipelinePaths(dg.ConfigurableResource):
    """Landing folder (the exports dropped by the data engineer) and work folder (outputs)."""

    landing_dir: str = DEFAULT_LANDING
    work_dir: str = DEFAULT_WORK

    @classmethod
    def from_env(cls) -> PipelinePaths:
        """The same folders the Dagster definitions use (ATTRIB_LANDING_DIR / ATTRIB_WORK_DIR)."""
        return cls(landing_dir=os.environ.get("ATTRIB_LANDING_DIR", DEFAULT_LANDING),
                   work_dir=os.environ.get("ATTRIB_WORK_DIR", DEFAULT_WORK))

    @property
    def landing(self) -> Path:
        return _absolute(self.landing_dir)

    @property
    def work(self) -> Path:
        return _absolute(self.work_dir)

    def ingested(self, source: str) -> Path:
        return self.work / "ingested" / f"{source}.parquet"

    def quarantine(self, source: str) -> Path:
        return self.work / "quarantine" / f"{source}.csv"

    def ingest_memo(self, source: str) -> Path:
        """The last run's checked rows of a reference export (``pipelines.ingest.memo``)."""
        return self.work / "memo" / "ingest_checks" / f"{source}.parquet"

    def normalise_memo(self, table: str) -> Path:
        """The last run's normalised rows of a row-wise table (``normalise.by_difference``)."""
        return self.work / "memo" / "normalised" / f"{table}.parquet"

    def usage_day_ingested(self, day: str) -> Path:
        return self.work / "ingested" / "api_usage" / f"{day}.parquet"

    def usage_day_quarantine(self, day: str) -> Path:
        return self.work / "quarantine" / "api_usage" / f"{day}.csv"

    def usage_day_partials(self, day: str) -> Path:
        return self.work / "normalised" / "usage_days" / day

    def output(self, name: str) -> Path:
        return self.work / name
