"""Every benchmark script runs at its smallest preset, so a broken benchmark is seen the day it
breaks. Scripts are found by glob: a new one is run too, with the options of the table below
(or fails this test until it is given an entry or a reason to be left out)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from neo4j import Driver

from pipelines.settings import PROJECT_ROOT
from tests.graphs import forget_bookmarks

pytestmark = pytest.mark.neo4j
BENCH = PROJECT_ROOT / "bench"
SMALLEST = ["--preset", "micro"]
TIMEOUT_SECONDS = 600  # generous for a shared, loaded machine; a micro run takes seconds
# Script → the argument lists to run it with (each one run), or a reason it is not run here.
OPTIONS: dict[str, list[list[str]] | str] = {
    "bench_ingest.py": [SMALLEST],
    "bench_load.py": [SMALLEST],
    "bench_queries.py": [[*SMALLEST, "--runs", "2", "--warmup", "0", "--baseline", "HEAD"]],
    "bench_incremental.py": [SMALLEST, [*SMALLEST, "--without-graph"]],
    "quality_across_seeds.py": [[*SMALLEST, "--seeds", "3"]],
    "bench_seed.py": [SMALLEST],
    "bench_resolve.py": [SMALLEST],
    "bench_billing_increment.py": [SMALLEST],
    "bench_billing_prediction.py": [SMALLEST],
    "bench_billing_windows.py": [SMALLEST],
    "bench_reference_increment.py": [SMALLEST],
    "bench_graph_difference.py": [SMALLEST],
    "bench_import_files.py": [SMALLEST],
    "quality_zoo.py": [["--size", "tiny", "--seeds", "11"]],
    "febrl_linkage.py": [["--datasets", "febrl1", "--address", "fields"]],
    "calibration.py": [[*SMALLEST, "--seeds", "3"]],
    "run_all.py": "runs the scripts above at the demo preset; each of them is run here",
    "bench_spark.py": "Spark's start and JVM warm-up take about a minute even at micro; "
                      "tests/test_spark_engine.py checks the same equality on a smaller world",
}
# The flag a script takes for its working folder (None: it makes its own).
FOLDER_FLAG = {"quality_across_seeds.py": None, "quality_zoo.py": "--root",
               "febrl_linkage.py": None, "calibration.py": None}
HELPERS = {"__init__.py", "common.py", "stages.py"}


def scripts() -> list[str]:
    return sorted(p.name for p in BENCH.glob("*.py") if p.name not in HELPERS)


def runs() -> list[tuple[str, list[str]]]:
    return [(name, args) for name in scripts() if isinstance(OPTIONS.get(name), list)
            for args in OPTIONS[name]]


def test_every_script_is_run_or_left_out_with_a_reason() -> None:
    unknown = [name for name in scripts() if name not in OPTIONS]
    assert not unknown, f"add {unknown} to OPTIONS (its smallest-preset arguments)"


@pytest.mark.parametrize(("script", "args"), runs(), ids=lambda v: " ".join(v)
                         if isinstance(v, list) else v)
def test_script_runs_at_its_smallest_preset(script: str, args: list[str], tmp_path: Path,
                                            driver: Driver) -> None:
    flag = FOLDER_FLAG.get(script, "--dir")
    extra = [flag, str(tmp_path)] if flag else []
    finished = subprocess.run(
        [sys.executable, str(BENCH / script), *args, *extra], cwd=PROJECT_ROOT,
        capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    # bench_load rebuilds the database by import: the transaction ids the session's driver
    # last saw may never come again (whether they do depended on the database's history).
    forget_bookmarks(driver)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "----" in finished.stdout  # it printed its table
