"""Run the main job outside the UI (the README's demo command), recording it in DAGSTER_HOME so
the run shows up in the Dagster UI afterwards."""

from __future__ import annotations

import os
import time
from collections.abc import Collection
from pathlib import Path

import dagster as dg

from pipelines.ingest.days import usage_day_files
from pipelines.operate import publish_selection
from pipelines.partitions import range_tags
from pipelines.paths import PipelinePaths
from pipelines.settings import PROJECT_ROOT


def dagster_instance() -> dg.DagsterInstance:
    """The persistent instance in DAGSTER_HOME (default: the project's .dagster folder)."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster")))
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").touch()  # an empty config: local storage, and no warning about it
    return dg.DagsterInstance.get()


def run_main_job(run_config: dict | None = None, paths: PipelinePaths | None = None,
                 instance: dg.DagsterInstance | None = None, without: Collection[str] = (),
                 **resources: object) -> tuple[dg.ExecuteInProcessResult, float]:
    """Run the main job over every usage day in the landing folder (days already ingested from
    the same file are skipped), leaving out the assets named in ``without``; return the result
    and the seconds it took."""
    from pipelines.definitions import assets, defs

    paths = paths or PipelinePaths.from_env()
    days = sorted(usage_day_files(paths.landing))
    keys = [k for a in assets for k in a.keys]
    keys = [k for k in (keys if days else publish_selection(keys))
            if k.to_user_string() not in without]
    job = defs.resolve_job_def("main")
    started = time.monotonic()
    config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}, **(run_config or {})}
    result = job.execute_in_process(
        run_config=config, instance=instance or dagster_instance(), raise_on_error=False,
        tags=range_tags(days) if days else None,
        asset_selection=keys if without or not days else None,
        resources={"paths": paths, **resources},
    )
    return result, time.monotonic() - started
