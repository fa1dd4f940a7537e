"""The evidence graph of a case, drawn by Graphviz: the case's clusters as groups of accounts,
the shared identifiers and organisations as labelled nodes, the ownership chain up to the
parent, and a legend. Rendered to SVG text that the HTML embeds (and WeasyPrint prints)."""

from __future__ import annotations

import itertools
import shutil
from collections import Counter

import graphviz

from pipelines.errors import AttribError
from pipelines.report.model import Case, Evidence

MAX_IDENTIFIERS = 15  # the strongest evidence; the table lists the rest
LABEL_CHARS = 42
STYLE = {
    "cluster": {"shape": "box3d", "style": "filled", "fillcolor": "#cfe0f3"},
    "identifier": {"shape": "note", "style": "filled", "fillcolor": "#fff3c4"},
    "organisation": {"shape": "box", "style": "rounded,filled", "fillcolor": "#e6d9f2"},
    "parent": {"shape": "doubleoctagon", "style": "filled", "fillcolor": "#f4c7c3"},
}
KIND_PREFIX = {"billing_identity": "billing", "email_domain_registrant": "domain",
               "email_domain_website": "website", "declared_organisation": "declared",
               "partner_indicator": "partner"}
INSTALL_HINT = ("Graphviz's `dot` is missing: run scripts/install-report-deps.sh "
                "(apt-get install graphviz)")


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _identifier_label(item: Evidence) -> str:
    return f"{KIND_PREFIX.get(item.kind, item.kind)}: {_short(item.value)}"


def evidence_graph(case: Case) -> graphviz.Digraph:
    graph = graphviz.Digraph("evidence", graph_attr={
        "rankdir": "LR", "fontname": "DejaVu Sans", "fontsize": "10", "nodesep": "0.25",
        "ranksep": "0.6"}, node_attr={"fontname": "DejaVu Sans", "fontsize": "9"},
        edge_attr={"fontname": "DejaVu Sans", "fontsize": "8", "color": "#666666"})
    cluster_of = {a.account_id: a.cluster_id for a in case.accounts}
    # Graphviz reads "a:b" as node a, port b: node ids are plain names.
    org_ids: dict[str, str] = {}
    org = lambda name: org_ids.setdefault(name, f"o{len(org_ids)}")  # noqa: E731
    for finding in case.clusters:
        graph.node(f"c_{finding.cluster_id}", f"Campaign {finding.cluster_id}\n"
                   f"{finding.accounts:,} accounts", **STYLE["cluster"])
    organisations: set[str] = set()
    stakes: set[tuple[str, str]] = set()
    for index, item in enumerate(case.evidence[:MAX_IDENTIFIERS]):
        node = f"e{index}"
        graph.node(node, _identifier_label(item), **STYLE["identifier"])
        for cluster_id, n in Counter(cluster_of.get(a) for a in item.accounts).items():
            if cluster_id:
                graph.edge(f"c_{cluster_id}", node, label=f"{n} account(s)")
        chain = item.chain.split(" → ")
        graph.edge(node, org(chain[0]), label=_short(item.match.split(",")[-1].strip(), 16))
        organisations.update(chain)
        for child, owner in itertools.pairwise(chain):
            stakes.add((child, owner))
    for child, owner in sorted(stakes):
        graph.edge(org(child), org(owner), label="controlled by", style="bold")
    for name in sorted(organisations):
        is_parent = name == case.parent.legal_name
        graph.node(org(name), _short(case.parent.label if is_parent else name, 60),
                   **STYLE["parent" if is_parent else "organisation"])
    _legend(graph, len(case.evidence) - min(len(case.evidence), MAX_IDENTIFIERS))
    return graph


def _legend(graph: graphviz.Digraph, more: int) -> None:
    with graph.subgraph(name="cluster_legend") as legend:
        legend.attr(label="Legend", fontsize="9", style="dashed", color="#999999")
        legend.node("legend_cluster", "accounts of one cluster", **STYLE["cluster"])
        legend.node("legend_identifier", "shared identifier (value)", **STYLE["identifier"])
        legend.node("legend_org", "organisation it names", **STYLE["organisation"])
        legend.node("legend_parent", "attributed parent", **STYLE["parent"])
        legend.edge("legend_cluster", "legend_identifier", label="accounts using it")
        legend.edge("legend_identifier", "legend_org", label="name match")
        legend.edge("legend_org", "legend_parent", label="controlled by", style="bold")
        if more:
            legend.node("legend_more", f"{more} more piece(s) of evidence in the table",
                        shape="plaintext")


def evidence_graph_svg(case: Case) -> str:
    """The graph as SVG markup, without the XML prologue (for embedding in HTML)."""
    if shutil.which("dot") is None:
        raise AttribError(INSTALL_HINT)
    svg = evidence_graph(case).pipe(format="svg", encoding="utf-8")
    return svg[svg.index("<svg"):]
