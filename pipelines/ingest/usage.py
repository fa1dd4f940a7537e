"""Streaming ingestion of the large API usage source, validated batch by batch with pandas."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.contract import SourceContract
from pipelines.errors import ContractError
from pipelines.ingest.days import DaySidecar, day_bounds, landing_digest, usage_day_files
from pipelines.ingest.fields import CONTROL_RE2
from pipelines.ingest.reader import parquet_batches, parquet_columns
from pipelines.ingest.rows import redacted
from pipelines.ingest.tables import IngestReport, TableIngest, _reason_tag, quarantine_frame
from pipelines.ingest.wholefile import (
    FileFacts,
    refuse_duplicate_columns,
    refuse_missing_required,
    refuse_unusable,
)
from pipelines.normalise.network import normalise_ip
from pipelines.normalise.payment import PAN_LENGTHS, is_card_number

LETTER = re.compile(r"[^\W\d_]")
LABEL = r"[\w.\- ]{1,64}"  # what a classifier's category label looks like
OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
CANONICAL_IPV4 = rf"{OCTET}(?:\.{OCTET}){{3}}"
OUTPUT_SCHEMA = pa.schema([
    ("ts", pa.timestamp("us", tz="UTC")), ("account_id", pa.string()),
    ("api_key_id", pa.string()), ("source_ip", pa.string()), ("model", pa.string()),
    ("input_tokens", pa.int64()), ("output_tokens", pa.int64()),
    ("prompt_category", pa.string()), ("request_id", pa.string()), ("_row", pa.int64()),
    ("prompt_category_raw", pa.string()),  # a label the contract lacks, loaded as "other"
])


class UsageBatchValidator:
    """Validates batches; remembers request ids (as 64-bit hashes) to catch duplicates."""

    def __init__(self, contract: SourceContract, day: str | None = None) -> None:
        self.contract = contract
        self.day = day
        self.seen_requests = np.empty(0, dtype=np.uint64)  # hashes of the file's ids so far
        self.ip_cache: dict[str, str | None] = {}
        self.unknown_labels: Counter[str] = Counter()

    def split(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Return (good rows in output types, bad rows with a ``_reason`` column)."""
        reason = pd.Series(None, index=frame.index, dtype="object")

        def flag(mask: pd.Series, text: str) -> None:
            reason.loc[mask & reason.isna()] = text

        for spec in self.contract.fields:
            if spec.name not in frame:
                flag(pd.Series(True, index=frame.index), f"missing required column {spec.name}")
                continue
            flag(_blank(frame[spec.name]), f"missing required field {spec.name}")
            flag(frame["_undecodable"] == spec.name, f"undecodable bytes in {spec.name}")
            if spec.type == "string":
                self._check_identifier(frame[spec.name].astype("string"), spec, flag)
        if reason.notna().all():
            return frame.iloc[0:0], frame.assign(_reason=reason)
        ts = frame["ts"]
        ts = ts if pd.api.types.is_datetime64_any_dtype(ts) else pd.to_datetime(
            ts.astype("string"), errors="coerce", utc=True, format="ISO8601")  # a number: bad
        if getattr(ts.dt, "tz", None) is None:
            ts = ts.dt.tz_localize("UTC")
        flag(ts.isna(), "invalid ts: not a timestamp")
        if self.day is not None:
            start, end = day_bounds(self.day)
            flag(ts.notna() & ((ts < start) | (ts >= end)),
                 f"ts outside the file's day: not on {self.day} (UTC)")
        ips = self._ips(frame["source_ip"].astype("string"))
        flag(ips.isna(), "invalid source_ip: not a valid IP address")
        category = frame["prompt_category"].astype("string").str.strip().str.casefold()
        spec = self.contract.field("prompt_category")
        unknown = category.notna() & (category != "") & ~category.isin(spec.values)
        label_like = category.str.fullmatch(LABEL, na=False)
        raw = category.where(unknown & label_like)
        if spec.open_as:  # a new classifier label loads as the catch-all, kept and counted
            self.unknown_labels.update(category[unknown & label_like & reason.isna()].tolist())
            category = category.where(~(unknown & label_like), spec.open_as)
            unknown = unknown & ~label_like  # what is left is no label at all (a list, a blob)
        flag(unknown, "invalid prompt_category: not in the contract's list")
        tokens = {c: pd.to_numeric(frame[c], errors="coerce") for c in
                  ("input_tokens", "output_tokens")}
        for name, values in tokens.items():
            flag(values.isna() | (values < 0) | (values % 1 != 0), f"invalid {name}")
        self._flag_duplicates(frame["request_id"].astype("string"), reason)
        good = reason.isna()
        out = pd.DataFrame({
            "ts": ts[good].dt.as_unit("us"), "account_id": frame["account_id"][good].astype(str),
            "api_key_id": frame["api_key_id"][good].astype(str), "source_ip": ips[good],
            "model": frame["model"][good].astype(str),
            "input_tokens": tokens["input_tokens"][good].astype("int64"),
            "output_tokens": tokens["output_tokens"][good].astype("int64"),
            "prompt_category": category[good], "request_id": frame["request_id"][good].astype(str),
            "_row": frame["_row"][good], "prompt_category_raw": raw[good].astype(object),
        })
        return out, frame[~good].assign(_reason=reason[~good])

    @staticmethod
    def _check_identifier(text: pd.Series, spec, flag) -> None:
        """Over-long ids, ids with control characters, and ids that are a card number as a
        whole (never searched inside: a hex request id may hold a Luhn-valid digit run)."""
        flag(text.str.len() > spec.max_length, f"field {spec.name} is over the limit")
        values = pa.array(text, type=pa.string())
        control = pc.match_substring_regex(values, CONTROL_RE2).fill_null(False)
        flag(pd.Series(control.to_numpy(zero_copy_only=False), index=text.index),
             f"invalid {spec.name}: control character in an identifier")
        suspect = (text.str.len() >= PAN_LENGTHS.start).fillna(False).astype(bool)
        suspect[suspect] = ~_has_letter(text[suspect])
        if suspect.any():  # the exact check only where the whole value could be a number
            cards = text[suspect].map(lambda v: is_card_number(str(v)))
            flag(cards.reindex(text.index, fill_value=False).astype(bool),
                 f"full card number in identifier field {spec.name} (redacted)")

    def _ips(self, raw: pd.Series) -> pd.Series:
        """Canonical addresses: dotted IPv4 already canonical passes a vectorised check; every
        other distinct value is parsed once and cached across batches."""
        canonical = raw.str.fullmatch(CANONICAL_IPV4, na=False)
        out = raw.where(canonical, None).astype(object)
        rest = raw[~canonical & raw.notna()]
        if len(rest):
            parsed = {v: self._ip(v) for v in rest.unique()}
            out[rest.index] = rest.map(parsed).astype(object)
        return out

    def _ip(self, raw: object) -> str | None:
        if raw is None or raw is pd.NA:
            return None
        text = str(raw)
        if text not in self.ip_cache:
            self.ip_cache[text] = normalise_ip(text)
        return self.ip_cache[text]

    def _flag_duplicates(self, request_ids: pd.Series, reason: pd.Series) -> None:
        """Every request id after its first sighting in this file, in this batch or an
        earlier one (the first is remembered even when its row is bad for another reason)."""
        hashes = pd.util.hash_array(request_ids.fillna("").to_numpy(dtype=object))
        hashed = pd.Series(hashes)
        repeated = (hashed.duplicated() | hashed.isin(self.seen_requests)).to_numpy()
        self.seen_requests = np.concatenate([self.seen_requests, hashes])
        reason.loc[repeated & reason.isna().to_numpy()] = "duplicate request_id"


def _blank(column: pd.Series) -> pd.Series:
    """Missing or only spaces (a timestamp or number column can only be missing: turning it
    into text to look for spaces took as long as the rest of the checks together)."""
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
        return column.isna()
    return column.isna() | (column.astype("string").str.strip() == "")


def _has_letter(text: pd.Series) -> pd.Series:
    """Whether each value holds a letter (``LETTER``): ASCII values through pyarrow, where a
    letter is A-Z or a-z; the rest through Python's ``re``, whose Unicode tables RE2's do not
    match letter for letter. A missing value counts as holding one (it is no card number)."""
    values = pa.array(text, type=pa.string())
    ascii_only = pc.fill_null(pc.string_is_ascii(values), False).to_numpy(zero_copy_only=False)
    letters = pc.fill_null(pc.match_substring_regex(values, "[A-Za-z]"), True)
    out = letters.to_numpy(zero_copy_only=False).copy()
    out[~ascii_only] = [not isinstance(v, str) or LETTER.search(v) is not None
                        for v in text[~ascii_only]]
    return pd.Series(out, index=text.index, dtype=bool)


def ingest_usage_parquet(
    contract: SourceContract, path: Path, out_path: Path,
    progress: Callable[[str], None] = lambda _: None, day: str | None = None,
) -> tuple[IngestReport, list[dict]]:
    """Stream ``path`` into ``out_path``; return the report and the quarantine records."""
    report = IngestReport(contract.source, str(path), facts=FileFacts(path, parquet_columns(path)))
    refuse_duplicate_columns(report.facts, contract)
    refuse_missing_required(report.facts, contract)
    validator, quarantine, row_offset = UsageBatchValidator(contract, day), [], 0
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(out_path, OUTPUT_SCHEMA) as writer:
        for batch in parquet_batches(path):
            frame = _frame(batch)
            frame.columns = [c.casefold() for c in frame.columns]
            report.unknown_columns = [c for c in frame.columns if c not in contract.columns]
            frame["_row"] = np.arange(row_offset + 1, row_offset + len(frame) + 1)
            row_offset += len(frame)
            good, bad = validator.split(frame)
            writer.write_table(pa.Table.from_pandas(
                good.reindex(columns=OUTPUT_SCHEMA.names), schema=OUTPUT_SCHEMA,
                preserve_index=False))
            quarantine.extend(_quarantine_records(contract, path, bad, report))
            report.read += len(frame)
            report.loaded += len(good)
            progress(f"api_usage: {report.read:,} rows read, {report.quarantined:,} quarantined")
    for label, count in validator.unknown_labels.items():
        report.field_issues[f"prompt_category: unknown label {label!r} loaded as other"] += count
    return report, quarantine


def _decoded(value: bytes | None) -> tuple[str | None, bool]:
    if value is None:
        return None, False
    try:
        return bytes(value).decode("utf-8"), False
    except UnicodeDecodeError:
        return bytes(value).decode("utf-8", "backslashreplace"), True


def _frame(batch: pa.RecordBatch) -> pd.DataFrame:
    """The batch as pandas; a binary column (bytes where text belongs) is decoded, and a value
    that is not UTF-8 is shown with its bytes escaped and its row marked in ``_undecodable``
    (to be quarantined, never a crash)."""
    frame = batch.to_pandas()
    frame["_undecodable"] = None
    for name, kind in zip(batch.schema.names, batch.schema.types, strict=True):
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            decoded = [_decoded(v) for v in frame[name]]
            frame[name] = pd.Series([text for text, _ in decoded], index=frame.index,
                                    dtype=object)
            bad = pd.Series([failed for _, failed in decoded], index=frame.index)
            frame.loc[bad & frame["_undecodable"].isna(), "_undecodable"] = name.casefold()
    return frame


def _quarantine_records(contract, path, bad: pd.DataFrame, report: IngestReport) -> list[dict]:
    records = []
    for row in bad.to_dict("records"):
        reason = row.pop("_reason")
        line = int(row.pop("_row"))
        row.pop("_undecodable", None)
        values = {k: (None if pd.isna(v) else str(v)) for k, v in row.items()}
        records.append({"source": contract.source, "file": path.name, "line": line,
                        "reason": reason, "field": None, "row": redacted(values)})
        report.quarantined += 1
        report.reasons[_reason_tag(reason)] += 1
    return records


def ingest_usage(contract, path: Path, out_path: Path, progress=lambda _: None,
                 day: str | None = None):
    """Parquet is streamed; a CSV export goes through the row-by-row table path. Rows of a day
    file whose ts falls on another day are quarantined (they would be counted twice)."""
    if path.suffix == ".parquet":
        return ingest_usage_parquet(contract, path, out_path, progress, day)
    table = TableIngest(contract, path)
    report = table.run()
    frame = table.frame().rename(columns={"_line": "_row"})
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True, format="ISO8601").dt.as_unit("us")
    if day is not None:
        start, end = day_bounds(day)
        stray = (frame["ts"] < start) | (frame["ts"] >= end)
        bad = frame[stray].drop(columns=["_issues", "_file"], errors="ignore")
        bad = bad.assign(_reason=f"ts outside the file's day: not on {day} (UTC)")
        table.quarantine.extend(_quarantine_records(contract, path, bad, report))
        report.loaded -= int(stray.sum())
        frame = frame[~stray]
    frame["source_ip"] = frame["source_ip"].map(normalise_ip)
    raw_label = frame["_issues"].astype("string").str.extract(
        r"prompt_category: unknown label '([^']*)'", expand=False)
    frame["prompt_category_raw"] = raw_label.astype(object).where(raw_label.notna(), None)
    for column in ("input_tokens", "output_tokens"):
        frame[column] = pd.to_numeric(frame[column]).astype("int64")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(frame[OUTPUT_SCHEMA.names], schema=OUTPUT_SCHEMA,
                                        preserve_index=False), out_path)
    return report, table.quarantine


def ingest_usage_day(contract: SourceContract, paths, day: str,
                     progress: Callable[[str], None] = lambda _: None) -> IngestReport:
    """Ingest the landing file of one UTC day (skipped when that very file was already
    ingested); an absent day is recorded as a day without usage."""
    path = usage_day_files(paths.landing).get(day)
    digest = landing_digest(path)
    out, sidecar = paths.usage_day_ingested(day), DaySidecar(paths.usage_day_ingested(day))
    if sidecar.source_digest() == digest and out.exists():
        return IngestReport(contract.source, str(path), note="unchanged: already ingested",
                            **sidecar.read()["counts"])
    sidecar.path.unlink(missing_ok=True)
    quarantine_path = paths.usage_day_quarantine(day)
    quarantine_path.parent.mkdir(parents=True, exist_ok=True)
    if path is None:
        report, records = IngestReport(contract.source, None, note="no usage file for this day"), []
        out.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(OUTPUT_SCHEMA.empty_table(), out)
    else:
        try:
            report, records = ingest_usage(contract, path, out, progress, day)
        except (pa.ArrowInvalid, OSError) as exc:
            raise ContractError(
                f"{path} cannot be read as {path.suffix[1:]} ({exc}). It may still be being "
                "written, or be truncated: nothing of this day was published. Replace the file "
                "with a complete export and the next run ingests it."
            ) from exc
    quarantine_frame(records).to_csv(quarantine_path, index=False)
    try:
        refuse_unusable(report, contract, records)
    except ContractError:
        out.unlink(missing_ok=True)  # nothing of a refused day is published
        raise
    sidecar.write(digest, counts={"read": report.read, "loaded": report.loaded,
                                  "quarantined": report.quarantined})
    return report
