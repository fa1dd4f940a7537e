"""Render a case as a self-contained HTML file (charts embedded as PNG)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: render to memory
import matplotlib.pyplot as plt
import networkx as nx
from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipelines.report.case import Case

TEMPLATES = Path(__file__).parent / "templates"


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def timeline_png(case: Case) -> str:
    figure, axis = plt.subplots(figsize=(9, 2.8))
    axis.bar(case.daily["day"], case.daily["requests"], width=0.9, color="#b5403a")
    axis.set_ylabel("exchanges per day")
    axis.set_title("Activity of the campaign's accounts")
    figure.autofmt_xdate()
    return _png(figure)


def identity_graph_png(case: Case) -> str:
    graph = nx.Graph()
    graph.add_weighted_edges_from(case.graph_edges.itertuples(index=False, name=None))
    figure, axis = plt.subplots(figsize=(7, 5.5))
    if graph.number_of_nodes():
        layout = nx.spring_layout(graph, seed=3, weight="weight")
        nx.draw_networkx_edges(graph, layout, ax=axis, alpha=0.5, width=0.9, edge_color="#8a8f98")
        nx.draw_networkx_nodes(graph, layout, ax=axis, node_size=18, node_color="#2f5d8a")
    axis.set_title(f"Strongest links between the accounts ({graph.number_of_edges()} shown)")
    axis.axis("off")
    return _png(figure)


def render_case(case: Case) -> str:
    environment = Environment(loader=FileSystemLoader(TEMPLATES),
                              autoescape=select_autoescape(["html", "j2"]))
    return environment.get_template("case.html.j2").render(
        case=case, timeline=timeline_png(case), graph=identity_graph_png(case))


def write_case(case: Case, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"case-{case.org_id}.html"
    path.write_text(render_case(case), encoding="utf-8")
    return path
