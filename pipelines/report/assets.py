"""The case-report asset: one HTML dossier per attributed parent."""

import dagster as dg

from pipelines.paths import PipelinePaths
from pipelines.report.case import CaseTables, build_case, parents
from pipelines.report.render import write_case


def write_reports(paths: PipelinePaths) -> list[str]:
    tables = CaseTables.from_paths(paths)
    directory = paths.output("reports")
    return [str(write_case(build_case(tables, org_id), directory)) for org_id in parents(tables)]


@dg.asset(group_name="report", deps=["campaign_attribution"],
          description="An HTML case report per attributed parent organisation.")
def case_reports(paths: PipelinePaths) -> dg.MaterializeResult:
    written = write_reports(paths)
    return dg.MaterializeResult(metadata={"reports": dg.MetadataValue.json(written)})


report_assets = [case_reports]
