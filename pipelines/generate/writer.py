"""Writing landing files exactly in the input contract's columns, and the JSON side files."""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path

import yaml

from pipelines.settings import PROJECT_ROOT

CONTRACT_DIR = PROJECT_ROOT / "schemas" / "contract"


@cache
def contract_fields(source: str) -> tuple[str, ...]:
    """Column names of a source, in the order of its YAML contract."""
    spec = yaml.safe_load((CONTRACT_DIR / f"{source}.yaml").read_text(encoding="utf-8"))
    return tuple(spec["fields"])


def write_csv(path: Path, source: str, columns: dict[str, list]) -> int:
    """Write column lists as CSV with the contract's header; returns the number of rows."""
    fields = contract_fields(source)
    missing = [f for f in fields if f not in columns]
    if missing:
        raise KeyError(f"{source}: no data for contract fields {missing}")
    extra = [c for c in columns if c not in fields]
    if extra:
        raise KeyError(f"{source}: columns outside the contract {extra}")
    n = len(columns[fields[0]])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(fields)
        w.writerows(zip(*(columns[f] for f in fields), strict=True))
    return n


def rows_to_columns(rows: list[dict], source: str) -> dict[str, list]:
    return {f: [r.get(f, "") for r in rows] for f in contract_fields(source)}


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n",
                    encoding="utf-8")
