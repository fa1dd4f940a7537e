"""Run the main job outside the UI (the README's demo command), recording it in DAGSTER_HOME so
the run shows up in the Dagster UI afterwards. DAGSTER_HOME gets the project's instance config
(dagster.yaml: one run at a time, run monitoring on) when it has none."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Collection
from pathlib import Path

import dagster as dg

from pipelines.errors import AttribError
from pipelines.ingest.days import usage_day_files
from pipelines.operate.partitions import range_tags
from pipelines.operate.runlock import release_work_folder
from pipelines.operate.triggers import publish_selection
from pipelines.paths import PipelinePaths
from pipelines.settings import PROJECT_ROOT, make_private

INSTANCE_CONFIG = PROJECT_ROOT / "dagster.yaml"


def install_instance_config(home: Path | None = None) -> Path:
    """DAGSTER_HOME (default: the project's .dagster folder) with the shipped dagster.yaml in it,
    unless it already holds a config of its own."""
    home = home or Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster")))
    make_private(home)  # run records hold account ids in their metadata
    config = home / "dagster.yaml"
    if not config.exists() or not config.read_text().strip():
        shutil.copyfile(INSTANCE_CONFIG, config)
    return home


def dagster_instance() -> dg.DagsterInstance:
    """The persistent instance in DAGSTER_HOME, with the project's instance config."""
    install_instance_config()
    return dg.DagsterInstance.get()


def run_main_job(run_config: dict | None = None, paths: PipelinePaths | None = None,
                 instance: dg.DagsterInstance | None = None, without: Collection[str] = (),
                 **resources: object) -> tuple[dg.ExecuteInProcessResult, float]:
    """Run the main job over every usage day in the landing folder (days already ingested from
    the same file are skipped), leaving out the assets named in ``without``; return the result
    and the seconds it took."""
    from pipelines.definitions import assets, defs

    paths = paths or PipelinePaths.from_env()
    make_private(paths.work)
    days = sorted(usage_day_files(paths.landing))
    keys = [k for a in assets for k in a.keys]
    keys = [k for k in (keys if days else publish_selection(keys))
            if k.to_user_string() not in without]
    job = defs.resolve_job_def("main")
    if without or not days:
        # Subset first, then bind this run's resources: asking execute_in_process for both at
        # once makes Dagster see two definitions of `paths` and refuse the job.
        job = job.get_subset(asset_selection=frozenset(keys))
    started = time.monotonic()
    config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}, **(run_config or {})}
    result = job.execute_in_process(
        run_config=config, instance=instance or dagster_instance(), raise_on_error=False,
        tags=range_tags(days) if days else None, resources={"paths": paths, **resources},
    )
    release_work_folder(paths.work, result.run_id)  # this process lives on; the run is over
    return result, time.monotonic() - started


def main() -> int:
    """`python -m pipelines.operate.runner`: one run of the main job over ATTRIB_LANDING_DIR into
    ATTRIB_WORK_DIR, recorded in DAGSTER_HOME; exit 0 when it succeeded."""
    try:
        result, seconds = run_main_job()
    except AttribError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"run {result.run_id}: {'succeeded' if result.success else 'FAILED'} in "
          f"{seconds:.0f}s", file=sys.stderr)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
