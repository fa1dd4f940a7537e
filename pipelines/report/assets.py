"""The case-report asset: per attributed parent, an HTML case file, its PDF and its
enforcement list."""

import dagster as dg

from pipelines.dagster_meta import INVESTIGATIONS, Step
from pipelines.paths import PipelinePaths
from pipelines.report.case import CaseTables, build_case, parents
from pipelines.report.render import write_case

STEP = Step("report", INVESTIGATIONS, ("pipelines/report",))


def write_reports(paths: PipelinePaths, pdf: bool = True) -> list[str]:
    tables = CaseTables.from_paths(paths)
    directory = paths.output("reports")
    return [str(p) for org_id in parents(tables)
            for p in write_case(build_case(tables, org_id), directory, pdf=pdf)]


@dg.asset(group_name="report", deps=["campaign_attribution"],
          **STEP.asset_args("html", "pdf", "graphviz"),
          description="Per attributed parent organisation: an HTML and PDF case file and the "
          "case's enforcement list.")
def case_reports(paths: PipelinePaths) -> dg.MaterializeResult:
    written = write_reports(paths)
    return dg.MaterializeResult(metadata={
        "reports": dg.MetadataValue.json(written),
        "path": dg.MetadataValue.path(str(paths.output("reports")))})


report_assets = [case_reports]
