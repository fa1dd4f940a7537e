"""Usage aggregation as DuckDB SQL over the ingested Parquet day files: each day is folded once
into partial sums (per account, account×IP, ×category, ×day, ×10-minute bucket), and the partials
of every day are combined into the usage tables the later steps read. Neither step holds a table
whole in Python: DuckDB streams the files and spills to the work folder past its memory limit
(see :mod:`pipelines.normalise.sql`), so the seed preset's 30-million-row account×IP table is
combined in bounded memory."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from pipelines.errors import ContractError
from pipelines.ingest.days import DaySidecar, landing_digest, usage_day_files
from pipelines.normalise.sql import connect, write_parquet

BUCKET_MINUTES = 10
EXTRACTION_CATEGORIES = ("cot_elicitation", "reasoning_trace", "tool_use", "data_extraction")

# One day's requests folded per key: the partial tables a day leaves in its folder. Rows whose
# key is missing are left out (ingestion quarantines them before they get here).
FOLD_DAY = {
    "accounts": """
        SELECT account_id, count(*) AS requests, sum(input_tokens)::BIGINT AS input_tokens,
               sum(output_tokens)::BIGINT AS output_tokens,
               count(*) FILTER (WHERE list_contains($extraction, prompt_category))
                   AS extraction_requests,
               min(ts) AS first_ts, max(ts) AS last_ts
        FROM requests WHERE account_id IS NOT NULL GROUP BY account_id""",
    "categories": """
        SELECT account_id, prompt_category, count(*) AS requests FROM requests
        WHERE account_id IS NOT NULL AND prompt_category IS NOT NULL
        GROUP BY account_id, prompt_category""",
    "ips": """
        SELECT account_id, source_ip, count(*) AS requests, min(ts) AS first_ts,
               max(ts) AS last_ts
        FROM requests WHERE account_id IS NOT NULL AND source_ip IS NOT NULL
        GROUP BY account_id, source_ip""",
    "days": """
        SELECT account_id, date_trunc('day', ts::TIMESTAMP)::TIMESTAMPTZ AS day,
               count(*) AS requests
        FROM requests WHERE account_id IS NOT NULL AND ts IS NOT NULL GROUP BY ALL""",
    "buckets": f"""
        SELECT account_id,
               time_bucket(INTERVAL {BUCKET_MINUTES} MINUTES, ts::TIMESTAMP)::TIMESTAMPTZ AS bucket,
               count(*) AS requests
        FROM requests WHERE account_id IS NOT NULL AND ts IS NOT NULL GROUP BY ALL""",
}
PARTS = tuple(FOLD_DAY)
LOAD_DAY = """
    CREATE OR REPLACE TEMP TABLE requests AS
    SELECT ts, account_id, source_ip, input_tokens, output_tokens, prompt_category
    FROM read_parquet($file)"""

# Every day's partials combined, each table sorted by its keys (stable output, easy to compare).
COMBINE = {
    "usage_account_ips": """
        SELECT account_id, source_ip, sum(requests)::BIGINT AS requests,
               min(first_ts) AS first_ts, max(last_ts) AS last_ts
        FROM read_parquet($ips) GROUP BY account_id, source_ip ORDER BY account_id, source_ip""",
    "usage_account_days": """
        SELECT account_id, day, sum(requests)::BIGINT AS requests
        FROM read_parquet($days) GROUP BY account_id, day ORDER BY account_id, day""",
    "usage_account_buckets": """
        SELECT account_id, bucket, sum(requests)::BIGINT AS requests
        FROM read_parquet($buckets) GROUP BY account_id, bucket ORDER BY account_id, bucket""",
}
# Per account: totals, one column per prompt category seen, and the day profile (read back
# from the combined day table, written first).
COMBINE_ACCOUNTS = """
    WITH totals AS (
        SELECT account_id, sum(requests)::BIGINT AS requests,
               sum(input_tokens)::BIGINT AS input_tokens,
               sum(output_tokens)::BIGINT AS output_tokens,
               sum(extraction_requests)::BIGINT AS extraction_requests,
               min(first_ts) AS first_ts, max(last_ts) AS last_ts
        FROM read_parquet($accounts) GROUP BY account_id),
    categories AS (
        SELECT account_id{category_sums} FROM read_parquet($categories) GROUP BY account_id),
    per_day AS (
        SELECT account_id, count(*) AS active_days, max(requests) AS max_day
        FROM read_parquet($combined_days) GROUP BY account_id)
    SELECT totals.*{category_columns}, per_day.active_days, per_day.max_day
    FROM totals LEFT JOIN categories USING (account_id) LEFT JOIN per_day USING (account_id)
    ORDER BY account_id"""
CATEGORIES_SEEN = "SELECT DISTINCT prompt_category FROM read_parquet($categories) ORDER BY 1"
ACCOUNT_COLUMNS = ("account_id VARCHAR, requests BIGINT, input_tokens BIGINT, "
                   "output_tokens BIGINT, extraction_requests BIGINT, first_ts TIMESTAMPTZ, "
                   "last_ts TIMESTAMPTZ, active_days BIGINT, max_day BIGINT")
EMPTY = {
    "usage_accounts": ACCOUNT_COLUMNS,
    "usage_account_ips": "account_id VARCHAR, source_ip VARCHAR, requests BIGINT, "
                         "first_ts TIMESTAMPTZ, last_ts TIMESTAMPTZ",
    "usage_account_days": "account_id VARCHAR, day TIMESTAMPTZ, requests BIGINT",
    "usage_account_buckets": "account_id VARCHAR, bucket TIMESTAMPTZ, requests BIGINT",
}
USAGE_TABLES = tuple(EMPTY)


@dataclass(frozen=True)
class UsageSummary:
    """What the combined usage tables hold (the tables themselves are Parquet files)."""

    accounts: int
    requests: int
    account_ip_pairs: int
    activity_buckets: int


def fold_day(path: Path, folder: Path, spill: Path) -> bool:
    """Fold one ingested usage file into the partial tables in ``folder``; False (and nothing
    written) when the file has no rows."""
    with connect(spill) as db:
        db.execute(LOAD_DAY, {"file": str(path)})
        if db.execute("SELECT count(*) FROM requests").fetchall()[0][0] == 0:
            return False
        for part, query in FOLD_DAY.items():
            parameters = {"extraction": list(EXTRACTION_CATEGORIES)} if "$extraction" in query \
                else {}
            write_parquet(db.query(query, params=parameters), folder / f"{part}.parquet")
    return True


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _combine_accounts(db: duckdb.DuckDBPyConnection, files: dict[str, list[str]],
                      combined_days: Path, out: Path) -> None:
    categories = [row[0] for row in db.execute(
        CATEGORIES_SEEN, {"categories": files["categories"]}).fetchall()]
    names = {f"c{i}": category for i, category in enumerate(categories)}
    sums = "".join(f", sum(requests) FILTER (WHERE prompt_category = ${p})::BIGINT AS "
                   f"{_quoted('category_' + c)}" for p, c in names.items())
    columns = "".join(f", coalesce({_quoted('category_' + c)}, 0) AS "
                      f"{_quoted('category_' + c)}" for c in categories)
    query = COMBINE_ACCOUNTS.format(category_sums=sums, category_columns=columns)
    parameters = {"accounts": files["accounts"], "categories": files["categories"],
                  "combined_days": str(combined_days), **names}
    write_parquet(db.query(query, params=parameters), out)


def combine_partials(folders: list[Path], outputs: Callable[[str], Path], spill: Path) -> None:
    """Combine the partial tables in ``folders`` (one per day) into the usage tables, written
    where ``outputs(name)`` says."""
    files = {part: [str(f / f"{part}.parquet") for f in folders] for part in PARTS}
    with connect(spill) as db:
        if not folders:
            for name, columns in EMPTY.items():
                db.execute(f"CREATE OR REPLACE TEMP TABLE empty ({columns})")
                write_parquet(db.table("empty"), outputs(name))
            return
        for name, query in COMBINE.items():
            write_parquet(db.query(query, params={k: v for k, v in files.items()
                                                  if f"${k}" in query}), outputs(name))
        _combine_accounts(db, files, outputs("usage_account_days"), outputs("usage_accounts"))
def aggregate_usage_day(paths, day: str, progress: Callable[[str], None] = lambda _: None) -> str:
    """Fold one ingested day into partial aggregates (skipped when already done for the same
    landing file); return what happened."""
    ingested = DaySidecar(paths.usage_day_ingested(day)).source_digest()
    if ingested is None:
        raise ContractError(f"usage for {day} has not been ingested: materialise partition {day}"
                            " of ingested_api_usage first.")
    folder = paths.usage_day_partials(day)
    sidecar = DaySidecar(folder)
    if sidecar.source_digest() == ingested:
        return "unchanged"
    sidecar.path.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
    folded = fold_day(paths.usage_day_ingested(day), folder, paths.output("tmp/duckdb"))
    progress(f"usage {day}: {'folded' if folded else 'no requests'}")
    sidecar.write(ingested, empty=not folded)
    return "aggregated" if folded else "empty"


def combine_usage_days(paths, progress: Callable[[str], None] = lambda _: None
                       ) -> UsageSummary:
    """Write the usage tables over every day in the landing folder; each day must have been
    folded from the file that is there now (otherwise the answer would mix old and new
    exports)."""
    files = usage_day_files(paths.landing)
    stale = [day for day, path in files.items()
             if DaySidecar(paths.usage_day_partials(day)).source_digest() != landing_digest(path)]
    if stale:
        raise ContractError(
            f"{len(stale)} usage day(s) in the landing folder are not ingested yet, or changed "
            f"since: {', '.join(stale[:5])}{' …' if len(stale) > 5 else ''}. Materialise those "
            "partitions of ingested_api_usage and normalised_usage_day (the landing sensor and "
            "`attrib demo` do this), then run again."
        )
    folders = [paths.usage_day_partials(day) for day in sorted(files)]
    folders = [f for f in folders if (f / f"{PARTS[0]}.parquet").exists()]
    progress(f"usage: combining {len(folders)} day(s) with requests")
    combine_partials(folders, paths.normalised, paths.output("tmp/duckdb"))
    return usage_summary(paths)


def usage_summary(paths) -> UsageSummary:
    accounts = pq.read_table(paths.normalised("usage_accounts"), columns=["requests"])
    return UsageSummary(
        accounts=accounts.num_rows,
        requests=int(accounts["requests"].to_numpy().sum()) if accounts.num_rows else 0,
        account_ip_pairs=pq.ParquetFile(paths.normalised("usage_account_ips")).metadata.num_rows,
        activity_buckets=pq.ParquetFile(
            paths.normalised("usage_account_buckets")).metadata.num_rows,
    )
