"""Run one request of the main job in this process and exit 0 on success. The fault tests start
it as a child process, so that they can kill it (or the server) while it writes."""

from __future__ import annotations

import json
import sys

import dagster as dg

from pipelines.definitions import defs
from pipelines.paths import PipelinePaths


def main(landing: str, work: str, request: str) -> int:
    wanted = json.loads(request)
    selection = [dg.AssetKey.from_user_string(k) for k in wanted["assets"]] if wanted[
        "assets"] else None
    result = defs.resolve_job_def("main").execute_in_process(
        tags=wanted["tags"], asset_selection=selection, raise_on_error=False,
        resources={"paths": PipelinePaths(landing_dir=landing, work_dir=work)},
        instance=dg.DagsterInstance.ephemeral())
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
