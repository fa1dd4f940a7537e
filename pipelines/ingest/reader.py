"""Reading landing files: CSV with physical line numbers (quoted newlines, BOM, bad bytes) and
Parquet in batches."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from pipelines.errors import ContractError

BATCH_ROWS = 200_000
csv.field_size_limit(16 * 1024 * 1024)  # absurdly long fields are read, then quarantined


@dataclass(frozen=True)
class RawRow:
    line: int
    cells: list[str]


def find_source_file(landing: Path, source: str) -> Path | None:
    """``<source>.parquet`` or ``<source>.csv`` in the landing folder (Parquet wins)."""
    for suffix in (".parquet", ".csv"):
        candidate = landing / f"{source}{suffix}"
        if candidate.exists():
            return candidate
    return None


def decode(data: bytes) -> str:
    """UTF-8 (BOM stripped) or UTF-16 with BOM; undecodable bytes kept as surrogate escapes so
    that the rows holding them are quarantined rather than the whole file rejected."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", "surrogateescape")


def read_csv(path: Path) -> tuple[list[str], Iterator[RawRow]]:
    """Header and rows with the physical line each row starts on."""
    text = decode(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    try:
        header = [h.strip().casefold() for h in next(reader)]
    except StopIteration:
        return [], iter(())
    except csv.Error as exc:
        raise ContractError(f"{path}: the header line cannot be parsed as CSV ({exc}).") from exc
    return header, _rows(reader)


def _rows(reader: csv._reader) -> Iterator[RawRow]:
    previous_end = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawRow(previous_end + 1, [f"\x00csv-error: {exc}"])
            previous_end = reader.line_num
            continue
        start, previous_end = previous_end + 1, reader.line_num
        if cells:
            yield RawRow(start, cells)


def parquet_batches(path: Path, batch_rows: int = BATCH_ROWS):
    """Record batches of a Parquet file, so large files never sit in memory whole."""
    parquet = pq.ParquetFile(path)
    yield from parquet.iter_batches(batch_size=batch_rows)


def parquet_columns(path: Path) -> list[str]:
    return [name.casefold() for name in pq.ParquetFile(path).schema_arrow.names]
