"""One ingestion asset per contract source, each with a blocking row-reconciliation check."""


from pathlib import Path

import dagster as dg
import pandas as pd

from pipelines.contract import SourceContract, load_contracts
from pipelines.dagster_meta import DATA_ENGINEERING, Step, parquet_metadata
from pipelines.errors import ContractError
from pipelines.ingest.memo import read_memo, write_memo
from pipelines.ingest.reader import find_source_file
from pipelines.ingest.shrink import shrink_verdict
from pipelines.ingest.tables import IngestReport, TableIngest, quarantine_frame
from pipelines.ingest.usage import ingest_usage_day
from pipelines.operate.partitions import ONE_RUN, usage_days
from pipelines.operate.runlock import hold_work_folder
from pipelines.paths import PipelinePaths

RECONCILE = "rows read = rows loaded + quarantined"
STEP = Step("ingest", DATA_ENGINEERING,
            ("pipelines/ingest", "pipelines/contract.py", "schemas/contract"))
NOT_SHRUNK = ("a full snapshot does not lose more rows than the contract's max_shrink_share "
              "against the last good run, unless the operator confirmed it")


def ingest_source(
    contract: SourceContract, paths: PipelinePaths, log=lambda _: None
) -> IngestReport:
    """Ingest one source from the landing folder into Parquet plus a quarantine CSV."""
    path = find_source_file(paths.landing, contract.source)
    out, quarantine_path = paths.ingested(contract.source), paths.quarantine(contract.source)
    out.parent.mkdir(parents=True, exist_ok=True)
    quarantine_path.parent.mkdir(parents=True, exist_ok=True)
    if path is None:
        return _missing_source(contract, paths, out, quarantine_path)
    memo_path = paths.ingest_memo(contract.source)
    table = TableIngest(contract, path, read_memo(memo_path, contract))
    report = table.run()
    report.reused = table.memo.hits
    quarantine_frame(table.quarantine).to_csv(quarantine_path, index=False)
    table.check_usable()  # after the quarantine is written: it shows the rows that failed
    loaded = table.frame()
    loaded.to_parquet(out, index=False)
    write_memo(memo_path, table.memo, table.loaded_keys, loaded, table.loaded_issues)
    log(f"{contract.source}: read {report.read:,}, loaded {report.loaded:,}, "
        f"quarantined {report.quarantined:,}; {report.reused:,} rows as the last run "
        "checked them")
    return report


def _missing_source(contract: SourceContract, paths: PipelinePaths, out: Path, qpath: Path):
    if contract.required:
        raise ContractError(
            f"The landing folder {paths.landing} has no {contract.source}.csv or "
            f"{contract.source}.parquet, and that source is required. Drop the export there "
            "(see schemas/contract/ for its columns) or point landing_dir at the right folder."
        )
    empty = TableIngest(contract, out)
    empty.frame().to_parquet(out, index=False)
    quarantine_frame([]).to_csv(qpath, index=False)
    return IngestReport(contract.source, None, note="optional source absent: skipped")


def report_metadata(report: IngestReport) -> dict:
    return {
        "file": report.file or "(absent)",
        "rows_read": report.read,
        "rows_loaded": report.loaded,
        "rows_quarantined": report.quarantined,
        "rows_as_last_checked": report.reused,
        "quarantine_reasons": dg.MetadataValue.json(dict(report.reasons)),
        "field_issues": dg.MetadataValue.json(dict(report.field_issues)),
        "unknown_columns": dg.MetadataValue.json(report.unknown_columns),
        "missing_optional_columns": dg.MetadataValue.json(report.missing_columns),
        "note": report.note or "",
    }


def build_ingest_asset(contract: SourceContract) -> dg.AssetsDefinition:
    name = f"ingested_{contract.source}"

    @dg.asset(
        name=name, group_name="ingest", **STEP.asset_args("pandas", "parquet"),
        description=f"{contract.description} Validated against schemas/contract/"
        f"{contract.source}.yaml; bad rows quarantined with file, line and reason.",
        check_specs=[dg.AssetCheckSpec("rows_reconcile", asset=name, blocking=True,
                                       description=RECONCILE),
                     dg.AssetCheckSpec("snapshot_not_shrunk", asset=name, blocking=True,
                                       description=NOT_SHRUNK)],
    )
    def _ingest(context: dg.AssetExecutionContext, paths: PipelinePaths) -> dg.MaterializeResult:
        hold_work_folder(context, paths.work)
        report = ingest_source(contract, paths, context.log.info)
        out = paths.ingested(contract.source)
        sample = _sample(out)
        shrink = shrink_verdict(contract.source, Path(report.file or f"{contract.source} "
                                "(absent)").name, report.loaded, paths)
        if not shrink.passed:
            context.log.error(shrink.message())
        return dg.MaterializeResult(
            metadata={**report_metadata(report), **parquet_metadata(out),
                      "sample": dg.MetadataValue.md(sample)},
            check_results=[dg.AssetCheckResult(
                check_name="rows_reconcile", passed=report.reconciles,
                metadata={"read": report.read, "loaded": report.loaded,
                          "quarantined": report.quarantined},
            ), dg.AssetCheckResult(
                check_name="snapshot_not_shrunk", passed=shrink.passed,
                description=shrink.message(),
                metadata={"loaded": shrink.current, "last_good_run": shrink.previous,
                          "allowed_shrink": shrink.limit, "confirmed": shrink.confirmed},
            )],
        )

    return _ingest


def _sample(path: Path, rows: int = 5) -> str:
    frame = pd.read_parquet(path).head(rows) if path.exists() else pd.DataFrame()
    return frame.to_markdown(index=False) if not frame.empty else "(no rows)"


USAGE = load_contracts()["api_usage"]


@dg.asset(
    name="ingested_api_usage", group_name="ingest", partitions_def=usage_days,
    backfill_policy=ONE_RUN, **STEP.asset_args("pandas", "pyarrow", "parquet"),
    description=f"{USAGE.description} One partition per UTC day, from "
    "api_usage/YYYY-MM-DD.parquet|csv in the landing folder; a day whose file is unchanged is "
    "skipped, a replaced file (a backfill) is ingested again.",
    check_specs=[dg.AssetCheckSpec("rows_reconcile", asset="ingested_api_usage", blocking=True,
                                   description=RECONCILE)],
)
def ingested_api_usage(context: dg.AssetExecutionContext,
                       paths: PipelinePaths) -> dg.MaterializeResult:
    hold_work_folder(context, paths.work)
    reports = {}
    for day in context.partition_keys:
        reports[day] = report = ingest_usage_day(USAGE, paths, day, context.log.info)
        context.add_asset_metadata(parquet_metadata(paths.usage_day_ingested(day)),
                                   partition_key=day)
        context.log.info(f"api_usage {day}: read {report.read:,}, loaded {report.loaded:,}, "
                         f"quarantined {report.quarantined:,} {report.note}".rstrip())
    totals = {k: sum(getattr(r, k) for r in reports.values())
              for k in ("read", "loaded", "quarantined")}
    per_day = {day: {"read": r.read, "quarantined": r.quarantined, "note": r.note}
               for day, r in reports.items()}
    return dg.MaterializeResult(
        metadata={"days": len(reports), **{f"rows_{k}": v for k, v in totals.items()},
                  "per_day": dg.MetadataValue.json(per_day)},
        check_results=[dg.AssetCheckResult(
            check_name="rows_reconcile", passed=all(r.reconciles for r in reports.values()),
            metadata=totals)],
    )


ingest_assets = [build_ingest_asset(c) for c in load_contracts().values() if not c.large]
ingest_assets.append(ingested_api_usage)
