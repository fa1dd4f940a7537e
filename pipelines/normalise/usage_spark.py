"""The usage aggregation on Spark, for request logs one machine cannot fold in time: the same SQL
as DuckDB runs (:mod:`pipelines.normalise.usage_sql`) over the same Parquet day files, writing
the same tables to the same places, each as one Parquet file sorted as DuckDB sorts it, so every
later step reads them unchanged.

Only Spark SQL runs here (no Python function on the executors), so a cluster's executors need
Java and the same Spark version, not this project; they must read and write the work folder at
the path the driver sees (a shared mount). ``spark.master`` comes from ``ATTRIB_SPARK_MASTER``
(default ``local[2]``); anything else (executor memory, cores) from Spark's own
``spark-defaults.conf``. Nothing is fetched at run time: no ``--packages``, no Ivy."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from pipelines.normalise.usage_sql import (
    CATEGORIES_SEEN,
    COMBINE,
    FILE_DAY,
    REQUEST_COLUMNS,
    SORT_KEYS,
    combine_accounts_query,
    fold_queries,
    partial_files,
)
from pipelines.settings import EngineSettings

SESSION_CONF = {
    "spark.app.name": "distillation-attribution usage",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",  # day and bucket boundaries are UTC boundaries
    # The shared SQL quotes identifiers with double quotes, as DuckDB does.
    "spark.sql.ansi.enabled": "true",
    "spark.sql.ansi.doubleQuotedIdentifiers": "true",
    # Time-zone-aware microsecond timestamps and zstd, as DuckDB writes them (not INT96).
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.parquet.compression.codec": "zstd",
}


def spark_session(spill: Path | None = None) -> SparkSession:
    """The process's Spark session, started on first use with the master from the environment
    (in local mode bound to the loopback, spilling to ``spill``)."""
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    settings = EngineSettings.from_env()
    builder = SparkSession.builder.master(settings.spark_master)
    for key, value in SESSION_CONF.items():
        builder = builder.config(key, value)
    if settings.spark_shuffle_partitions:
        builder = builder.config("spark.sql.shuffle.partitions",
                                 str(settings.spark_shuffle_partitions))
    if settings.spark_master.startswith("local"):
        builder = (builder.config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.driver.host", "127.0.0.1"))
        if spill is not None:
            spill.mkdir(parents=True, exist_ok=True)
            builder = builder.config("spark.local.dir", str(spill))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def write_single_parquet(frame: DataFrame, path: Path, sort_keys: tuple[str, ...] = ()) -> None:
    """Write ``frame`` to ``path`` as one Parquet file, sorted by ``sort_keys``, replacing it
    whole (a killed run never leaves half a table).

    The rows are gathered into one partition after the aggregation has run in parallel (a
    shuffle, not a coalesce, which would pull the aggregation itself into one task), and sorted
    there: Spark spills that sort to disk, and the later steps read one file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(path.name + ".spark")
    shutil.rmtree(staging, ignore_errors=True)
    one = frame.repartition(1)
    if sort_keys:
        one = one.sortWithinPartitions(*sort_keys)
    one.write.mode("overwrite").parquet(str(staging))
    _move_single(sorted(staging.glob("part-*.parquet")), path)
    shutil.rmtree(staging)


def _move_single(written: list[Path], path: Path) -> None:
    """Put the one file Spark wrote for a table where the table belongs."""
    if len(written) != 1:
        raise RuntimeError(f"Spark wrote {len(written)} files for {path}, expected one: is the "
                           "work folder on storage the driver and the executors share?")
    path.parent.mkdir(parents=True, exist_ok=True)
    written[0].replace(path)


def fold_days(files: dict[str, Path], folders: dict[str, Path], spill: Path
              ) -> Iterator[tuple[str, bool]]:
    """Fold every day's file into its folder in one pass (a job per partial table, not per day
    and table: a daily run and a backfill of months cost about the same few jobs); yield each
    day, and whether it had requests."""
    if not files:
        return
    spark = spark_session(spill)
    _requests_by_day(spark, files).createOrReplaceTempView("requests")
    folds = {part: spark.sql(query, args=parameters or None)
             for part, (query, parameters) in fold_queries("spark", by_day=True).items()}
    staging = spill / f"fold-{uuid.uuid4().hex}"
    try:
        for part, fold in folds.items():  # each day's rows in one task: one file per day
            fold.repartition(FILE_DAY).write.partitionBy(FILE_DAY).parquet(str(staging / part))
        for day in files:
            yield day, _place_day(day, staging, folders[day], folds)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _requests_by_day(spark: SparkSession, files: dict[str, Path]) -> DataFrame:
    """Every day's requests in one read (one scan, not one per day: many times faster to plan
    and run), each row with the day of the file it was read from."""
    day_of_name = {path.name: day for day, path in files.items()}
    if len(day_of_name) != len(files):
        raise ValueError("two usage days share a file name; each day's file must be named apart")
    lookup = F.create_map(*(F.lit(value) for pair in day_of_name.items() for value in pair))
    return (spark.read.parquet(*(str(path) for path in files.values()))
            .select(*REQUEST_COLUMNS, lookup[F.col("_metadata.file_name")].alias(FILE_DAY)))


def _place_day(day: str, staging: Path, folder: Path, folds: dict[str, DataFrame]) -> bool:
    """Move a day's partial tables from where Spark wrote them into the day's folder; False
    when the day had no requests. A part a day with requests has no rows for is written empty
    (as DuckDB writes it)."""
    written = {part: sorted((staging / part / f"{FILE_DAY}={day}").glob("part-*.parquet"))
               for part in folds}
    if not any(written.values()):
        return False
    for part, files in written.items():
        if files:
            _move_single(files, folder / f"{part}.parquet")
        else:
            write_single_parquet(folds[part].drop(FILE_DAY).limit(0), folder / f"{part}.parquet")
    return True


def combine_partials(folders: list[Path], outputs: Callable[[str], Path], spill: Path) -> None:
    """Combine the partial tables in ``folders`` (one per day) into the usage tables, written
    where ``outputs(name)`` says."""
    spark = spark_session(spill)
    for part, files in partial_files(folders).items():
        spark.read.parquet(*files).createOrReplaceTempView(f"partial_{part}")
    for name, query in COMBINE.items():
        write_single_parquet(spark.sql(query), outputs(name), SORT_KEYS[name])
    spark.read.parquet(str(outputs("usage_account_days"))).createOrReplaceTempView(
        "combined_days")
    categories = [row[0] for row in spark.sql(CATEGORIES_SEEN).collect()]
    query, parameters = combine_accounts_query(categories)
    write_single_parquet(spark.sql(query, args=parameters or None), outputs("usage_accounts"),
                         SORT_KEYS["usage_accounts"])
