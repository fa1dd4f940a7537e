"""Ingest one source file into loaded rows and quarantine records, with a reconciling report."""

from __future__ import annotations

import gc
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from pipelines.contract import SourceContract
from pipelines.errors import ContractError
from pipelines.ingest.memo import CheckMemo, row_key
from pipelines.ingest.reader import RawRow, parquet_batches, parquet_columns, read_csv, shown
from pipelines.ingest.rows import RowOutcome, redacted, safe_note, validate_row
from pipelines.ingest.wholefile import (
    AFTERMATH,
    FileFacts,
    refuse_duplicate_columns,
    refuse_missing_required,
    refuse_unusable,
)
from pipelines.parallel import chunks, ordered_map, workers

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
    reused: int = 0  # rows whose outcome came from the last run's checks (ingest.memo)
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


POOL_MIN_BYTES = 8_000_000  # smaller files (about 50,000 accounts) are checked in-process


@dataclass
class PreparedRow:
    """One row on its way through the checks: its cells by column, and either why it was
    refused before the contract's checks or (once checked) the contract's outcome."""

    line: int
    values: dict
    refused: str | None = None
    outcome: RowOutcome | None = None
    key: int | None = None  # the row's cells hashed, when a memo is kept (pipelines.ingest.memo)

    @property
    def unchecked(self) -> bool:
        return not self.refused and self.outcome is None


def _with_outcomes(chunk: list[PreparedRow], outcomes: list[RowOutcome]) -> list[PreparedRow]:
    pending = iter(outcomes)
    for row in chunk:
        if row.unchecked:
            row.outcome = next(pending)
    return chunk


def _checked_values(rows: list[dict], contract: SourceContract) -> list[RowOutcome]:
    """The contract's outcome for each row's values (in a worker process for large files)."""
    return [validate_row(values, contract) for values in rows]


def checked_rows(rows: Iterator[PreparedRow], contract: SourceContract, processes: int
                 ) -> Iterator[PreparedRow]:
    """Every row with its outcome, in file order. The contract's checks are pure, per row and
    mostly Python (phone numbers, mail domains, card numbers): with ``processes`` > 1 chunks
    of rows are checked in worker processes (``pipelines.parallel``), which keeps the order
    and everything that depends on it (duplicates, line numbers). Only rows neither refused
    nor already given an outcome (by the memo) are checked, or sent to a worker."""
    waiting: deque[list[PreparedRow]] = deque()

    def unchecked_values() -> Iterator[list[dict]]:
        for chunk in chunks(rows):
            waiting.append(chunk)
            yield [row.values for row in chunk if row.unchecked]

    for _, outcomes in ordered_map(_checked_values, unchecked_values(), processes, contract):
        yield from _with_outcomes(waiting.popleft(), outcomes)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Rows are dicts of strings and make no reference cycles, so the cyclic collector has
    nothing to find; left on, it re-scans the growing list of loaded rows (a quarter of the time
    of a large file whose checks come from the memo)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class TableIngest:
    """Accumulates loaded rows, quarantine records and the report for one source file."""

    def __init__(self, contract: SourceContract, path: Path, memo: CheckMemo | None = None
                 ) -> None:
        self.contract, self.path, self.memo = contract, path, memo
        self.report = IngestReport(contract.source, str(path))
        self.loaded: list[dict] = []
        # with a memo: each loaded row's key and issues, for the next run's memo
        self.loaded_keys: list[int] = []
        self.loaded_issues: list[list[str] | None] = []
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
        prepared = (self._prepare(raw, header, missing_required) for raw in rows)
        processes = workers() if self.path.stat().st_size >= POOL_MIN_BYTES else 1
        with cyclic_gc_paused():
            for row in checked_rows(prepared, self.contract, processes):
                self.report.read += 1
                self._take(row)
        return self.report

    def check_usable(self) -> None:
        """Fail the file when too few of its rows are usable (see FileRules)."""
        refuse_unusable(self.report, self.contract, self.quarantine)

    def _prepare(self, raw: RawRow, header: list[str], missing_required: list[str]
                 ) -> PreparedRow:
        """The row's cells by column, or why it is refused before the contract's checks."""
        if raw.error:
            return PreparedRow(raw.line, {"cells": "".join(raw.cells)},
                               f"unreadable CSV row: {raw.error}")
        if len(raw.cells) != len(header):
            values = dict(zip(header, raw.cells, strict=False))
            return PreparedRow(raw.line, values, f"row has {len(raw.cells)} fields but the "
                               f"header has {len(header)}")
        values = dict(zip(header, raw.cells, strict=True))
        if missing_required:
            return PreparedRow(raw.line, values,
                               f"missing required column {missing_required[0]}")
        row = PreparedRow(raw.line, {c: values.get(c) for c in self.contract.columns})
        if self.memo is not None:
            row.key = row_key(list(row.values.values()))
            row.outcome = self.memo.outcome(row.key)
        return row

    def _take(self, row: PreparedRow) -> None:
        if row.refused:
            return self._reject(row.line, row.values, row.refused, None)
        outcome = row.outcome
        if outcome.reason:
            return self._reject(row.line, row.values, outcome.reason, outcome.reason_field)
        return self._accept(row.line, outcome, row.key)

    def _accept(self, line: int, outcome: RowOutcome, memo_key: int | None = None) -> None:
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
        if self.memo is not None:
            self.loaded_keys.append(memo_key)
            self.loaded_issues.append(outcome.issues or None)
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
