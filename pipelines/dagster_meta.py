"""What the Dagster UI shows about an asset beyond its name: the step it belongs to (stage tag,
owning team, a code version that moves when the step's logic moves) and what its output holds
(row count, column schema and path of the table it wrote)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.settings import PROJECT_ROOT

DATA_ENGINEERING = "team:data-engineering"  # getting exports in, clean, and into the graph
INVESTIGATIONS = "team:investigations"  # who is behind which accounts, and the case files
ROW_COUNT = "dagster/row_count"
COLUMN_SCHEMA = "dagster/column_schema"


@dataclass(frozen=True)
class Step:
    """One pipeline step as the UI labels its assets. ``sources`` are the project-relative files
    and folders holding the step's logic and rules; their digest is the assets' code version."""

    stage: str
    owner: str
    sources: tuple[str, ...]

    def asset_args(self, *kinds: str) -> dict[str, Any]:
        """Keyword arguments of ``dg.asset`` every asset of the step shares. The output type is
        Nothing: an asset writes its own Parquet, JSON or graph and hands no value to an IO
        manager (the rows and schema it wrote are in its materialisation metadata)."""
        return {"kinds": set(kinds), "owners": [self.owner], "tags": {"stage": self.stage},
                "code_version": source_digest(self.sources), "dagster_type": dg.Nothing}


def _source_files(source: str, root: Path) -> list[Path]:
    path = root / source
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"code version source {source} does not exist under {root}")
    return [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            and not p.name.startswith(".")]


@functools.cache
def source_digest(sources: tuple[str, ...], root: Path = PROJECT_ROOT) -> str:
    """Twelve hex digits of a SHA-256 over the names and bytes of every file under ``sources``
    (sorted, so the same files always give the same version)."""
    digest = hashlib.sha256()
    files = sorted({f for s in sources for f in _source_files(s, root)})
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def arrow_schema(schema: pa.Schema) -> dg.TableSchema:
    """The columns of an Arrow schema with their Arrow types (as written to Parquet)."""
    return dg.TableSchema(columns=[
        dg.TableColumn(field.name, str(field.type),
                       constraints=dg.TableColumnConstraints(nullable=field.nullable))
        for field in schema])


def parquet_metadata(path: Path) -> dict[str, Any]:
    """Row count, column schema and path of a Parquet file, read from its footer alone."""
    footer = pq.read_metadata(path)
    return {ROW_COUNT: footer.num_rows,
            COLUMN_SCHEMA: arrow_schema(footer.schema.to_arrow_schema()),
            "path": dg.MetadataValue.path(str(path))}


def tables_metadata(main: Path, others: Mapping[str, Path]) -> dict[str, Any]:
    """An asset that writes several tables: the main one's row count, schema and path, and the
    rows and path of each of the ``others``."""
    rows = {name: {"rows": pq.read_metadata(p).num_rows, "path": str(p)}
            for name, p in others.items()}
    return {**parquet_metadata(main), "tables": dg.MetadataValue.json(rows)}
