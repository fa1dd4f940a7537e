"""The usage aggregation as SQL text, one definition shared by the engines that run it: DuckDB
on one machine (:mod:`pipelines.normalise.usage`) and Spark when one machine is not enough
(:mod:`pipelines.normalise.usage_spark`).

Each query reads named views the engine points at Parquet files (``requests`` for one ingested
day, ``partial_<part>`` for every day's partials, ``combined_days``), takes positional ``?``
parameters (the marker both dialects accept), quotes identifiers with double quotes (Spark is
told to read them so) and casts with ``CAST``. The only expressions the dialects spell
differently, a timestamp's UTC day and 10-minute bucket, are in :data:`DIALECTS`. Sorting is
left to the engine (:data:`SORT_KEYS`): DuckDB orders the query, Spark sorts the one partition
it writes."""

from __future__ import annotations

from pathlib import Path

BUCKET_MINUTES = 10
EXTRACTION_CATEGORIES = ("cot_elicitation", "reasoning_trace", "tool_use", "data_extraction")
REQUEST_COLUMNS = ("ts", "account_id", "source_ip", "input_tokens", "output_tokens",
                   "prompt_category")

# The UTC day and the 10-minute bucket of ``ts``, kept time-zone aware (both engines run in UTC).
DIALECTS = {
    "duckdb": {
        "day": "date_trunc('day', ts::TIMESTAMP)::TIMESTAMPTZ",
        "bucket": f"time_bucket(INTERVAL {BUCKET_MINUTES} MINUTES, ts::TIMESTAMP)::TIMESTAMPTZ",
    },
    "spark": {
        "day": "date_trunc('DAY', ts)",
        "bucket": f"timestamp_seconds(unix_seconds(ts) DIV {BUCKET_MINUTES * 60} "
                  f"* {BUCKET_MINUTES * 60})",
    },
}

# One day's requests folded per key: the partial tables a day leaves in its folder. Rows whose
# key is missing are left out (ingestion quarantines them before they get here). ``{by_day}``
# is empty, or ``file_day, `` where an engine folds many days in one pass (Spark).
FOLD_DAY = {
    "accounts": f"""
        SELECT {{by_day}}account_id, count(*) AS requests,
               CAST(sum(input_tokens) AS BIGINT) AS input_tokens,
               CAST(sum(output_tokens) AS BIGINT) AS output_tokens,
               count(*) FILTER (WHERE prompt_category IN
                   ({", ".join("?" for _ in EXTRACTION_CATEGORIES)})) AS extraction_requests,
               min(ts) AS first_ts, max(ts) AS last_ts
        FROM requests WHERE account_id IS NOT NULL GROUP BY {{by_day}}account_id""",
    "categories": """
        SELECT {by_day}account_id, prompt_category, count(*) AS requests FROM requests
        WHERE account_id IS NOT NULL AND prompt_category IS NOT NULL
        GROUP BY ALL""",
    "ips": """
        SELECT {by_day}account_id, source_ip, count(*) AS requests, min(ts) AS first_ts,
               max(ts) AS last_ts
        FROM requests WHERE account_id IS NOT NULL AND source_ip IS NOT NULL
        GROUP BY ALL""",
    "days": """
        SELECT {by_day}account_id, {day} AS day, count(*) AS requests
        FROM requests WHERE account_id IS NOT NULL AND ts IS NOT NULL GROUP BY ALL""",
    "buckets": """
        SELECT {by_day}account_id, {bucket} AS bucket, count(*) AS requests
        FROM requests WHERE account_id IS NOT NULL AND ts IS NOT NULL GROUP BY ALL""",
}
FOLD_PARAMETERS = {"accounts": list(EXTRACTION_CATEGORIES)}
PARTS = tuple(FOLD_DAY)

# Every day's partials combined.
COMBINE = {
    "usage_account_ips": """
        SELECT account_id, source_ip, CAST(sum(requests) AS BIGINT) AS requests,
               min(first_ts) AS first_ts, max(last_ts) AS last_ts
        FROM partial_ips GROUP BY account_id, source_ip""",
    "usage_account_days": """
        SELECT account_id, day, CAST(sum(requests) AS BIGINT) AS requests
        FROM partial_days GROUP BY account_id, day""",
    "usage_account_buckets": """
        SELECT account_id, bucket, CAST(sum(requests) AS BIGINT) AS requests
        FROM partial_buckets GROUP BY account_id, bucket""",
}
# Per account: totals, one column per prompt category seen, and the day profile (read back
# from the combined day table, written first).
COMBINE_ACCOUNTS = """
    WITH totals AS (
        SELECT account_id, CAST(sum(requests) AS BIGINT) AS requests,
               CAST(sum(input_tokens) AS BIGINT) AS input_tokens,
               CAST(sum(output_tokens) AS BIGINT) AS output_tokens,
               CAST(sum(extraction_requests) AS BIGINT) AS extraction_requests,
               min(first_ts) AS first_ts, max(last_ts) AS last_ts
        FROM partial_accounts GROUP BY account_id),
    categories AS (
        SELECT account_id{category_sums} FROM partial_categories GROUP BY account_id),
    per_day AS (
        SELECT account_id, count(*) AS active_days, max(requests) AS max_day
        FROM combined_days GROUP BY account_id)
    SELECT totals.*{category_columns}, per_day.active_days, per_day.max_day
    FROM totals LEFT JOIN categories USING (account_id) LEFT JOIN per_day USING (account_id)"""
CATEGORIES_SEEN = "SELECT DISTINCT prompt_category FROM partial_categories ORDER BY 1"

# Each combined table sorted by its keys (stable output, easy to compare).
SORT_KEYS = {
    "usage_account_ips": ("account_id", "source_ip"),
    "usage_account_days": ("account_id", "day"),
    "usage_account_buckets": ("account_id", "bucket"),
    "usage_accounts": ("account_id",),
}
ACCOUNT_COLUMNS = ("account_id VARCHAR, requests BIGINT, input_tokens BIGINT, "
                   "output_tokens BIGINT, extraction_requests BIGINT, first_ts TIMESTAMPTZ, "
                   "last_ts TIMESTAMPTZ, active_days BIGINT, max_day BIGINT")
# The tables with no usage at all (DuckDB column definitions).
EMPTY = {
    "usage_accounts": ACCOUNT_COLUMNS,
    "usage_account_ips": "account_id VARCHAR, source_ip VARCHAR, requests BIGINT, "
                         "first_ts TIMESTAMPTZ, last_ts TIMESTAMPTZ",
    "usage_account_days": "account_id VARCHAR, day TIMESTAMPTZ, requests BIGINT",
    "usage_account_buckets": "account_id VARCHAR, bucket TIMESTAMPTZ, requests BIGINT",
}
USAGE_TABLES = tuple(EMPTY)


FILE_DAY = "file_day"


def fold_queries(dialect: str, by_day: bool = False) -> dict[str, tuple[str, list[str]]]:
    """Part → (query, positional parameters) folding the ``requests`` view, in ``dialect``;
    with ``by_day``, per ``file_day`` too (the day file a request was read from)."""
    prefix = f"{FILE_DAY}, " if by_day else ""
    return {part: (query.format(by_day=prefix, **DIALECTS[dialect]),
                   FOLD_PARAMETERS.get(part, []))
            for part, query in FOLD_DAY.items()}


def partial_files(folders: list[Path]) -> dict[str, list[str]]:
    """Part → the partial Parquet file of that part in each day's folder."""
    return {part: [str(folder / f"{part}.parquet") for folder in folders] for part in PARTS}


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def combine_accounts_query(categories: list[str]) -> tuple[str, list[str]]:
    """The per-account query with one ``category_<name>`` column per category seen (zero where
    an account made no such request), and its positional parameters."""
    columns = [quoted(f"category_{c}") for c in categories]
    sums = "".join(f", CAST(sum(requests) FILTER (WHERE prompt_category = ?) AS BIGINT) AS {c}"
                   for c in columns)
    kept = "".join(f", coalesce({c}, 0) AS {c}" for c in columns)
    return COMBINE_ACCOUNTS.format(category_sums=sums, category_columns=kept), list(categories)
