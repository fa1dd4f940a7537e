"""The case-report asset: per attributed parent, an HTML case file, its PDF and its
enforcement list."""

import dagster as dg

from pipelines.paths import PipelinePaths
from pipelines.report.case import CaseTables, build_case, parents
from pipelines.report.render import write_case


def write_reports(paths: PipelinePaths, pdf: bool = True) -> list[str]:
    tables = CaseTables.from_paths(paths)
    directory = paths.output("reports")
    return [str(p) for org_id in parents(tables)
            for p in write_case(build_case(tables, org_id), directory, pdf=pdf)]


@dg.asset(group_name="report", deps=["campaign_attribution"],
          description="Per attributed parent organisation: an HTML and PDF case file and the "
          "case's enforcement list.")
def case_reports(paths: PipelinePaths) -> dg.MaterializeResult:
    written = write_reports(paths)
    return dg.MaterializeResult(metadata={"reports": dg.MetadataValue.json(written)})


report_assets = [case_reports]
