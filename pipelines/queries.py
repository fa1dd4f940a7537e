"""The investigators' query library: one .cypher file per question in queries/, with a header
(name, answers, parameters, returns)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import AttribError
from pipelines.settings import PROJECT_ROOT

QUERY_DIR = PROJECT_ROOT / "queries"
HEADER_LINE = re.compile(r"^//\s*(name|answers|parameters|returns):\s*(.*)$")


@dataclass(frozen=True)
class LibraryQuery:
    name: str
    answers: str
    parameters: str
    returns: str
    text: str
    path: Path


def parse_query(path: Path) -> LibraryQuery:
    header: dict[str, str] = {}
    current = None
    body = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = HEADER_LINE.match(line)
        if match:
            current = match.group(1)
            header[current] = match.group(2).strip()
        elif line.startswith("//") and current:
            header[current] += " " + line.lstrip("/ ").strip()
        else:
            body.append(line)
    missing = {"name", "answers", "parameters", "returns"} - set(header)
    if missing:
        raise AttribError(f"{path.name}: header lacks {', '.join(sorted(missing))}")
    text = "\n".join(body).strip().rstrip(";")
    return LibraryQuery(header["name"], header["answers"], header["parameters"],
                        header["returns"], text, path)


def load_query(name: str) -> LibraryQuery:
    path = QUERY_DIR / f"{name}.cypher"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in QUERY_DIR.glob("*.cypher")))
        raise AttribError(f"No query named {name!r}. Known queries: {known}")
    return parse_query(path)
