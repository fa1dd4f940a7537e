"""Render a case: one Jinja template gives the self-contained HTML report and, through
WeasyPrint, its PDF; the case's enforcement list is written next to them."""

from __future__ import annotations

import base64
import csv
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: render to memory
import matplotlib.pyplot as plt
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipelines.report.evidence_graph import evidence_graph_svg
from pipelines.report.model import Case

TEMPLATES = Path(__file__).parent / "templates"


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def timeline_png(case: Case) -> str:
    """Exchanges per day, with a dashed line at each model release."""
    figure, axis = plt.subplots(figsize=(9, 2.8))
    if case.daily:
        days = pd.to_datetime([d for d, _ in case.daily])
        axis.bar(days, [n for _, n in case.daily], width=0.9, color="#b5403a",
                 label="exchanges per day")
    for index, release in enumerate(case.release_dates):
        axis.axvline(pd.Timestamp(release), color="#2f5d8a", linestyle="--", linewidth=1,
                     label="model release" if index == 0 else None)
    axis.set_ylabel("exchanges per day")
    axis.set_title("Activity of the case's accounts")
    axis.legend(loc="upper left", fontsize=8)
    figure.autofmt_xdate()
    return _png(figure)


def render_case(case: Case, for_print: bool = False) -> str:
    environment = Environment(loader=FileSystemLoader(TEMPLATES),
                              autoescape=select_autoescape(["html", "j2"]))
    return environment.get_template("case.html.j2").render(
        case=case, timeline=timeline_png(case), graph_svg=evidence_graph_svg(case),
        for_print=for_print)


def write_pdf(html: str, path: Path) -> Path:
    from weasyprint import HTML  # imported late: it loads Pango, needed only here

    HTML(string=html, base_url=str(TEMPLATES)).write_pdf(path)
    return path


def write_enforcement(case: Case, path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["account_id", "cluster_id", "case_number",
                                                    "attributed_parent", "confidence", "reason"])
        writer.writeheader()
        writer.writerows(case.enforcement_rows)
    return path


def write_case(case: Case, directory: Path, pdf: bool = True) -> list[Path]:
    """case-<org>.html, case-<org>.pdf and case-<org>-enforcement.csv."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / f"case-{case.parent.org_id}"
    html_path = stem.with_suffix(".html")
    html_path.write_text(render_case(case), encoding="utf-8")
    written = [html_path, write_enforcement(case, stem.with_name(stem.name + "-enforcement.csv"))]
    if pdf:
        written.append(write_pdf(render_case(case, for_print=True), stem.with_suffix(".pdf")))
    return written
