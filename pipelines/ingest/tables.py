"""Ingest one source file into loaded rows and quarantine records, with a reconciling report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from pipelines.contract import SourceContract
from pipelines.errors import ContractError
from pipelines.ingest.reader import RawRow, parquet_batches, parquet_columns, read_csv, shown
from pipelines.ingest.rows import RowOutcome, redacted, safe_note, validate_row
from pipelines.ingest.wholefile import (
    AFTERMATH,
    FileFacts,
    refuse_duplicate_columns,
    refuse_missing_required,
    refuse_unusable,
)

QUARANTINE_COLUMNS = ["source", "file", "line", "reason", "field", "row"]
META_COLUMNS = ["_file", "_line", "_issues"]


@dataclass
class IngestReport:
    """What happened to every row of one source: loaded + quarantined = read."""

    source: str
    file: str | None
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    reasons: Counter = field(default_factory=Counter)
    field_issues: Counter = field(default_factory=Counter)
    unknown_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    note: str = ""
    facts: FileFacts | None = field(default=None, repr=False)  # what the file looked like

    @property
    def reconciles(self) -> bool:
        return self.read == self.loaded + self.quarantined


def _reason_tag(reason: str) -> str:
    """Group reasons by their kind (without the offending value) for metadata counts."""
    return reason.split(":", 1)[0]


def _open(path: Path, contract: SourceContract) -> tuple[FileFacts, Iterator[RawRow]]:
    if path.suffix == ".parquet":
        try:
            header = parquet_columns(path)
        except (pa.ArrowException, OSError) as exc:
            raise ContractError(
                f"{path} cannot be read as Parquet ({shown(str(exc), 200)}): it may be "
                f"truncated, still being written, or not Parquet at all. {AFTERMATH}") from exc

        def rows() -> Iterator[RawRow]:
            line = 0
            for batch in parquet_batches(path):
                for record in batch.to_pylist():
                    line += 1
                    yield RawRow(line, ["" if v is None else str(v) for v in record.values()])

        return FileFacts(path, header), rows()
    found = read_csv(path, contract)
    return FileFacts(path, found.header, found.delimiter, found.encoding), found.rows


class TableIngest:
    """Accumulates loaded rows, quarantine records and the report for one source file."""

    def __init__(self, contract: SourceContract, path: Path) -> None:
        self.contract, self.path = contract, path
        self.report = IngestReport(contract.source, str(path))
        self.loaded: list[dict] = []
        self.quarantine: list[dict] = []
        self._seen: dict[tuple, tuple[int, dict]] = {}

    def run(self) -> IngestReport:
        """Read every row; a file that fails a whole-file check raises ContractError (before
        its rows for a bad header; :meth:`check_usable` after them for too few good rows)."""
        self.facts, rows = _open(self.path, self.contract)
        self.report.facts = self.facts
        header = self.facts.columns
        refuse_duplicate_columns(self.facts, self.contract)
        missing_required = refuse_missing_required(self.facts, self.contract)
        columns = set(self.contract.columns)
        self.report.unknown_columns = [shown(h, 60) for h in header if h not in columns]
        self.report.missing_columns = [c for c in self.contract.columns if c not in header]
        if not header:
            self.report.note = "empty file: no header and no rows"
        for raw in rows:
            self.report.read += 1
            self._take(raw, header, missing_required)
        return self.report

    def check_usable(self) -> None:
        """Fail the file when too few of its rows are usable (see FileRules)."""
        refuse_unusable(self.report, self.contract, self.quarantine)

    def _take(self, raw: RawRow, header: list[str], missing_required: list[str]) -> None:
        if raw.error:
            return self._reject(raw.line, {"cells": "".join(raw.cells)},
                                f"unreadable CSV row: {raw.error}", None)
        if len(raw.cells) != len(header):
            values = dict(zip(header, raw.cells, strict=False))
            return self._reject(raw.line, values, "row has "
                                f"{len(raw.cells)} fields but the header has {len(header)}", None)
        values = dict(zip(header, raw.cells, strict=True))
        if missing_required:
            return self._reject(raw.line, values,
                                f"missing required column {missing_required[0]}", None)
        row = {c: values.get(c) for c in self.contract.columns}
        outcome = validate_row(row, self.contract)
        if outcome.reason:
            return self._reject(raw.line, row, outcome.reason, outcome.reason_field)
        self._accept(raw.line, outcome)

    def _accept(self, line: int, outcome: RowOutcome) -> None:
        key = tuple(outcome.values[k] for k in self.contract.primary_key)
        if key in self._seen:
            first_line, first_values = self._seen[key]
            differing = sorted(k for k, v in outcome.values.items() if first_values.get(k) != v)
            reason = (f"duplicate {'/'.join(self.contract.primary_key)} conflicting with line "
                      f"{first_line} on {', '.join(differing)}") if differing else (
                      f"exact duplicate of line {first_line}")
            return self._reject(line, outcome.values, reason, self.contract.primary_key[0])
        self._seen[key] = (line, outcome.values)
        for issue in outcome.issues:
            self.report.field_issues[issue.split(":", 1)[0]] += 1
        self.loaded.append(
            {**outcome.values, "_file": self.path.name, "_line": line,
             "_issues": "; ".join(outcome.issues) or None}
        )
        self.report.loaded += 1
        return None

    def _reject(self, line: int, values: dict, reason: str, field_name: str | None) -> None:
        reason = safe_note(reason)
        self.quarantine.append({
            "source": self.contract.source, "file": self.path.name, "line": line,
            "reason": reason, "field": field_name, "row": redacted(values),
        })
        self.report.quarantined += 1
        self.report.reasons[_reason_tag(reason)] += 1

    def frame(self) -> pd.DataFrame:
        columns = self.contract.columns + META_COLUMNS
        return pd.DataFrame(self.loaded, columns=columns).astype({"_line": "int64"})


def quarantine_frame(records: Iterable[dict]) -> pd.DataFrame:
    return pd.DataFrame(list(records), columns=QUARANTINE_COLUMNS)
