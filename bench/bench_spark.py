"""Usage fold + combine on DuckDB and on Spark, from the same ingested days, in one run.

    .venv/bin/python bench/bench_spark.py                       # tiny and demo presets
    .venv/bin/python bench/bench_spark.py --preset micro        # the smallest (CI)
    ATTRIB_SPARK_MASTER=spark://host:7077 .venv/bin/python bench/bench_spark.py --preset large

DuckDB is the baseline. Spark runs where ``ATTRIB_SPARK_MASTER`` says (default ``local[2]``);
its session start (a JVM) is timed apart and paid once, by the first preset, which also pays
the JVM's warm-up. Each engine folds every day and combines them into its own work folder, and
the run says whether the four usage tables came out equal.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import measured, print_table, progress
from pipelines.contract import load_contracts
from pipelines.generate.presets import PRESETS
from pipelines.generate.world import generate_world
from pipelines.ingest.days import usage_day_files
from pipelines.ingest.usage import ingest_usage_day
from pipelines.normalise.usage import USAGE_TABLES, aggregate_usage_days, combine_usage_days
from pipelines.paths import PipelinePaths
from pipelines.settings import EngineSettings
from pipelines.tables import read_table

ENGINES = ("duckdb", "spark")


def ingested_world(preset: str, seed: int, root: Path) -> tuple[PipelinePaths, int]:
    """Generate a world and ingest its usage days (not timed: both engines start from here)."""
    generate_world(preset, seed, root, progress)
    paths = PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "ingest"))
    contract = load_contracts()["api_usage"]
    rows = sum(ingest_usage_day(contract, paths, day).loaded
               for day in usage_day_files(paths.landing))
    return paths, rows


def run_engine(engine: str, ingested: PipelinePaths, root: Path) -> tuple[PipelinePaths, float,
                                                                          float]:
    """Fold and combine every day on ``engine``; the work folder and the two times."""
    os.environ["ATTRIB_ENGINE"] = engine
    paths = PipelinePaths(landing_dir=str(ingested.landing), work_dir=str(root / engine))
    shutil.rmtree(paths.work, ignore_errors=True)
    shutil.copytree(ingested.work / "ingested", paths.work / "ingested")
    with measured(f"{engine} fold") as fold:
        aggregate_usage_days(paths, list(usage_day_files(paths.landing)))
    with measured(f"{engine} combine") as combine:
        combine_usage_days(paths)
    return paths, fold.seconds, combine.seconds


def same_tables(first: PipelinePaths, second: PipelinePaths) -> bool:
    return all(read_table(first, f"normalised/{name}").equals(
        read_table(second, f"normalised/{name}")) for name in USAGE_TABLES)


def start_spark(root: Path) -> float:
    from pipelines.normalise.usage_spark import spark_session

    with measured("spark session") as stage:
        spark_session(root / "spark-spill")
    return stage.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", nargs="+", default=["tiny", "demo"], choices=sorted(PRESETS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", default=None, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    root = Path(args.dir or tempfile.mkdtemp(prefix="bench-spark-"))
    settings = EngineSettings.from_env()
    startup = start_spark(root)
    rows = []
    for preset in args.preset:
        ingested, requests = ingested_world(preset, args.seed, root / preset)
        days = len(usage_day_files(ingested.landing))
        results = {engine: run_engine(engine, ingested, root / preset) for engine in ENGINES}
        equal = "yes" if same_tables(results["duckdb"][0], results["spark"][0]) else "NO"
        baseline = sum(results["duckdb"][1:])
        for engine, (_, fold, combine) in results.items():
            rows.append([preset, days, requests, engine, fold, combine, fold + combine,
                         (fold + combine) / baseline, equal])
    print_table(
        f"Usage fold + combine, DuckDB (baseline) against Spark {settings.spark_master} "
        f"(shuffle partitions: {settings.spark_shuffle_partitions or 'Spark default'}; "
        f"session start {startup:.1f} s, not in the rows; {os.cpu_count()} cores)",
        ["preset", "days", "requests", "engine", "fold s", "combine s", "fold+combine s",
         "× DuckDB", "same tables"], rows)
    if any(row[-1] != "yes" for row in rows):
        sys.exit("Spark's usage tables differ from DuckDB's: see tests/test_spark_engine.py")


if __name__ == "__main__":
    main()
