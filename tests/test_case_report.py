"""Case files a legal team can use, built from a small attributed world: a conclusion first,
concrete evidence with its source rows, weak clusters apart, numbers that add up, a labelled
evidence graph, and a PDF from the same template."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from pipelines.attribute.config import ScoringConfig
from pipelines.paths import PipelinePaths
from pipelines.report.case import CaseTables, build_case, parents
from pipelines.report.evidence_graph import evidence_graph_svg
from pipelines.report.render import render_case, write_case

SOURCE = re.compile(r"^[\w./-]+\.(csv|parquet) rows? \d+")


@pytest.fixture(scope="module")
def tables(attributed_world: PipelinePaths) -> CaseTables:
    return CaseTables.from_paths(attributed_world)


@pytest.fixture(scope="module")
def case(tables: CaseTables):
    return build_case(tables, parents(tables)[0])


def test_every_campaign_parent_has_a_case_with_a_conclusion(tables, case) -> None:
    assert parents(tables), "the tiny world should attribute at least one campaign"
    assert case.case_number.startswith(f"CASE-{case.parent.org_id}-")
    assert case.accounts and case.exchanges > 0 and case.first_activity < case.last_activity
    assert case.recommended_action.startswith("Suspend the")
    assert f"{len(case.accounts):,} accounts" in case.recommended_action
    assert case.run_id in (tables.snapshot["run_id"],) and case.input_files


def test_every_evidence_row_names_a_value_and_its_source_rows(case) -> None:
    assert case.evidence
    for item in case.evidence:
        assert item.value and item.accounts and item.accounts_sharing >= len(item.accounts)
        assert item.sources and all(SOURCE.match(s) for s in item.sources), item.sources
        assert 0 < item.weight <= 1


def test_risk_breakdown_adds_up(case) -> None:
    for finding in case.clusters:
        risk = finding.risk
        assert risk.bias == ScoringConfig().bias
        assert math.isclose(risk.total, sum(f.contribution for f in risk.features), abs_tol=1e-3)
        assert math.isclose(1 / (1 + math.exp(-risk.logit)), risk.risk_score, abs_tol=2e-3)
        assert all(f.words != f.name for f in risk.features), "every feature named in words"


def test_weak_clusters_are_listed_apart_and_never_enforced(tables) -> None:
    org_id = parents(tables)[0]
    strict = build_case(tables, org_id, threshold=1.01)  # no attribution reaches it
    assert strict.clusters == [] and strict.accounts == [] and strict.exchanges == 0
    assert strict.weak_clusters and strict.enforcement_rows == []
    assert strict.recommended_action.startswith("Do not enforce")
    assert any("below the 1.01 needed to act" in line for line in strict.counter_evidence)


def test_evidence_graph_is_labelled_with_a_legend(case) -> None:
    svg = evidence_graph_svg(case)
    labels = re.findall(r"<text[^>]*>([^<]+)</text>", svg)
    assert "Legend" in labels and "attributed parent" in labels
    assert any(case.parent.legal_name[:20] in label for label in labels)
    assert any(label.startswith(("billing:", "domain:", "declared:", "website:", "partner:"))
               for label in labels)


def test_html_and_pdf_are_written(tmp_path: Path, case) -> None:
    html = render_case(case)
    assert html.index('id="conclusion"') < html.index('id="evidence"')
    written = write_case(case, tmp_path)
    pdf = next(p for p in written if p.suffix == ".pdf")
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_size > 20_000
    enforcement = next(p for p in written if p.name.endswith("-enforcement.csv"))
    lines = enforcement.read_text().splitlines()
    assert len(lines) == len(case.accounts) + 1 and case.case_number in lines[1]
