"""Normalisation assets: read the ingested Parquet, add keys, write normalised Parquet."""


import dagster as dg
import pandas as pd

from pipelines.dagster_meta import (
    DATA_ENGINEERING,
    ROW_COUNT,
    Step,
    parquet_metadata,
    tables_metadata,
)
from pipelines.ingest.days import usage_day_files
from pipelines.normalise import tables
from pipelines.normalise.by_difference import ROW_WISE, normalised_by_difference
from pipelines.normalise.usage import (
    PARTS,
    aggregate_usage_days,
    combine_usage_days,
)
from pipelines.operate.partitions import ONE_RUN, usage_days
from pipelines.paths import PipelinePaths
from pipelines.tables import NORMALISED_FROM_SOURCE, USAGE_TABLES, table_path, write_table

STEP = Step("normalise", DATA_ENGINEERING,
            ("pipelines/normalise", "schemas/reference/mail_providers.yaml"))
# normalised table name -> the function that makes it from its ingested source (the source is
# the table registry's, pipelines/tables.py)
TABLES = {
    "accounts": tables.normalise_accounts,
    "payment_instruments": tables.normalise_payments,
    "ip_intel": tables.normalise_ip_intel,
    "domain_registrations": tables.normalise_domains,
    "organisations": tables.normalise_organisations,
    "organisation_names": tables.organisation_names,
    "ownership": tables.normalise_ownership,
    "partner_indicators": lambda f: f.copy(),
    "analyst_judgements": lambda f: f.copy(),
}
# Columns whose invalid share is reported: normalised column -> raw column it came from.
KEY_COLUMNS = {
    "accounts": {"email_key": "email", "phone_e164": "phone", "signup_ip": "signup_ip"},
    "payment_instruments": {"fingerprint": "processor_fingerprint", "bin": "bin",
                            "billing_key": "billing_name"},
    "domain_registrations": {"domain": "domain", "registrant_email_key": "registrant_email"},
}


def invalid_shares(frame: pd.DataFrame, table: str) -> dict[str, float]:
    """Share of rows whose raw value was present but produced no key."""
    shares = {}
    for key, raw in KEY_COLUMNS.get(table, {}).items():
        present = frame[raw].notna()
        shares[key] = round(float((present & frame[key].isna()).sum() / max(present.sum(), 1)), 5)
    return shares


def read_ingested(path) -> pd.DataFrame:
    """Ingested text columns as Python objects (an all-empty column must not turn float)."""
    frame = pd.read_parquet(path)
    for column in frame.columns.drop("_line", errors="ignore"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def normalise_table(table: str, paths: PipelinePaths, log=lambda _: None) -> pd.DataFrame:
    return normalise_counted(table, paths, log)[0]


def normalise_counted(table: str, paths: PipelinePaths, log=lambda _: None
                      ) -> tuple[pd.DataFrame, int]:
    """Normalise one table from its ingested source, a large row-wise one by difference from
    the last run (``normalise.by_difference``); and how many rows were read back."""
    frame, reused = read_ingested(paths.ingested(NORMALISED_FROM_SOURCE[table])), 0
    if table in ROW_WISE:
        frame, reused = normalised_by_difference(table, frame, TABLES[table],
                                                 paths.normalise_memo(table))
        log(f"{table}: {len(frame):,} rows, {reused:,} as the last run normalised them")
    else:
        frame = TABLES[table](frame)
    write_table(paths, f"normalised/{table}", frame)
    return frame, reused


MAX_INVALID_SHARE = 0.05  # above this, an export is probably broken: stop before publishing


def build_normalise_asset(table: str) -> dg.AssetsDefinition:
    source = NORMALISED_FROM_SOURCE[table]
    name = f"normalised_{table}"
    checks = [dg.AssetCheckSpec(
        "identifiers_parse", asset=name, blocking=True,
        description=f"at most {MAX_INVALID_SHARE:.0%} of present identifiers fail to parse",
    )] if table in KEY_COLUMNS else []

    @dg.asset(name=name, group_name="normalise", deps=[f"ingested_{source}"],
              check_specs=checks, **STEP.asset_args("pandas", "parquet"),
              description=f"{table} with normalised keys (Parquet in the work folder).")
    def _normalise(context: dg.AssetExecutionContext, paths: PipelinePaths
                   ) -> dg.MaterializeResult:
        frame, reused = normalise_counted(table, paths, context.log.info)
        shares = invalid_shares(frame, table)
        results = [dg.AssetCheckResult(
            check_name="identifiers_parse", passed=all(v <= MAX_INVALID_SHARE
                                                       for v in shares.values()),
            metadata={"invalid_share": dg.MetadataValue.json(shares)},
        )] if checks else []
        return dg.MaterializeResult(metadata={
            **parquet_metadata(table_path(paths, f"normalised/{table}")),
            "invalid_share": dg.MetadataValue.json(shares),
            "rows_as_last_normalised": reused,
        }, check_results=results)

    return _normalise


@dg.asset(group_name="normalise", deps=["ingested_api_usage"], partitions_def=usage_days,
          backfill_policy=ONE_RUN, **STEP.asset_args("duckdb", "parquet"),
          description="One day of API usage folded per account, account×IP, account×category, "
          "account×day and 10-minute activity bucket (partial sums the daily runs combine).")
def normalised_usage_day(context: dg.AssetExecutionContext,
                         paths: PipelinePaths) -> dg.MaterializeResult:
    outcomes = aggregate_usage_days(paths, context.partition_keys)  # one pass on Spark
    for day in outcomes:
        context.add_asset_metadata(partials_metadata(paths, day), partition_key=day)
    return dg.MaterializeResult(metadata={
        "days": len(outcomes), "outcomes": dg.MetadataValue.json(outcomes)})


def partials_metadata(paths: PipelinePaths, day: str) -> dict:
    """The day's partial tables (none for a day without requests): account rows, schema, and
    the rows of every other part."""
    folder = paths.usage_day_partials(day)
    if not (folder / f"{PARTS[0]}.parquet").exists():
        return {ROW_COUNT: 0, "path": dg.MetadataValue.path(str(folder))}
    return tables_metadata(folder / f"{PARTS[0]}.parquet",
                           {part: folder / f"{part}.parquet" for part in PARTS[1:]})


@dg.asset(group_name="normalise", deps=["normalised_usage_day"],
          **STEP.asset_args("duckdb", "parquet"),
          description="API usage over every day in the landing folder, per account, "
          "account×IP, account×day and 10-minute activity bucket.")
def normalised_usage(
    context: dg.AssetExecutionContext, paths: PipelinePaths
) -> dg.MaterializeResult:
    summary = combine_usage_days(paths, context.log.info)
    tables = {name: table_path(paths, f"normalised/{name}") for name in USAGE_TABLES}
    return dg.MaterializeResult(metadata={
        **tables_metadata(tables.pop("usage_accounts"), tables),
        "days": len(usage_day_files(paths.landing)),
        "accounts_with_usage": summary.accounts,
        "requests": summary.requests,
        "account_ip_pairs": summary.account_ip_pairs,
        "activity_buckets": summary.activity_buckets,
    })


normalise_assets = [build_normalise_asset(t) for t in TABLES]
normalise_assets += [normalised_usage_day, normalised_usage]
