"""Library query results as a table, CSV or JSON: graph values (nodes, relationships, paths)
made readable, nulls printed as blanks, JSON strings stored in the graph decoded so that JSON
output is real nested JSON."""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd
from neo4j.graph import Node, Path, Relationship

# The property that names a node of each label in a one-line rendering.
NODE_NAMES = ("account_id", "cluster_id", "org_id", "address", "name", "e164", "fingerprint",
              "key", "cidr", "number", "run_id", "event_id")


def _node_name(node: Node) -> str:
    label = next(iter(node.labels), "Node")
    value = next((node[k] for k in NODE_NAMES if node.get(k) is not None), node.element_id)
    return f"{label} {value}"


def graph_text(value: Node | Relationship | Path) -> str:
    """A node, relationship or path on one line: ``Account acc_1 -HAS_EMAIL-> Email a@b``."""
    if isinstance(value, Node):
        return _node_name(value)
    if isinstance(value, Relationship):
        return f"{_node_name(value.start_node)} -{value.type}-> {_node_name(value.end_node)}"
    parts = [_node_name(value.start_node)]
    current = value.start_node
    for relationship in value.relationships:
        forward = relationship.start_node.element_id == current.element_id
        current = relationship.end_node if forward else relationship.start_node
        arrow = f" -{relationship.type}-> " if forward else f" <-{relationship.type}- "
        parts.append(arrow + _node_name(current))
    return "".join(parts)


def _decoded(text: str) -> Any:
    """A JSON object or array kept as a string property, decoded; any other text as it is."""
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def plain(value: Any) -> Any:
    """A result value as JSON-ready data (graph values as dicts, temporals as ISO text)."""
    if isinstance(value, Node):
        return {"labels": sorted(value.labels), "properties": plain(dict(value))}
    if isinstance(value, Relationship):
        return {"type": value.type, "start": _node_name(value.start_node),
                "end": _node_name(value.end_node), "properties": plain(dict(value))}
    if isinstance(value, Path):
        return {"path": graph_text(value), "nodes": [plain(n) for n in value.nodes],
                "relationships": [plain(r) for r in value.relationships]}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return _decoded(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return value.iso_format() if hasattr(value, "iso_format") else str(value)


def cell(value: Any) -> str:
    """One table cell: blank for null, graph values on one line, nested data as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, Node | Relationship | Path):
        return graph_text(value)
    if isinstance(value, list) and value and all(isinstance(v, Node | Relationship | Path)
                                                 for v in value):
        return "; ".join(graph_text(v) for v in value)
    data = plain(value)
    if isinstance(data, dict | list):
        return json.dumps(data, ensure_ascii=False, default=str)
    if isinstance(data, float):
        return f"{data:.4g}"
    return str(data)


def format_rows(rows: list[dict], style: str) -> str:
    if style == "json":
        return json.dumps([plain(r) for r in rows], ensure_ascii=False, indent=1)
    if not rows:
        return "(no rows)" if style == "table" else ""
    frame = pd.DataFrame([{k: cell(v) for k, v in r.items()} for r in rows], dtype=object)
    if style == "csv":
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False)
        return buffer.getvalue()
    return frame.to_markdown(index=False, disable_numparse=True)
