"""Run the main job outside the UI (the README's demo command), recording it in DAGSTER_HOME so
the run shows up in the Dagster UI afterwards."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg

from pipelines.settings import PROJECT_ROOT


def dagster_instance() -> dg.DagsterInstance:
    """The persistent instance in DAGSTER_HOME (default: the project's .dagster folder)."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster")))
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").touch()  # an empty config: local storage, and no warning about it
    return dg.DagsterInstance.get()


def run_main_job(run_config: dict | None = None) -> tuple[dg.ExecuteInProcessResult, float]:
    """Materialise every asset once; return the result and the seconds it took."""
    from pipelines.definitions import defs

    job = defs.resolve_job_def("main")
    started = time.monotonic()
    config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}, **(run_config or {})}
    result = job.execute_in_process(
        run_config=config, instance=dagster_instance(), raise_on_error=False
    )
    return result, time.monotonic() - started
