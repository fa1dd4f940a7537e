"""Reading landing files: only regular files inside the landing folder are opened (never a
symlink, device, FIFO or directory); CSV with its encoding and delimiter found out and physical
line numbers kept (quoted newlines, BOM, bad bytes); Parquet in batches."""

from __future__ import annotations

import codecs
import csv
import io
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyarrow.parquet as pq

from pipelines.contract import DELIMITERS, SourceContract
from pipelines.errors import ContractError

BATCH_ROWS = 200_000
csv.field_size_limit(16 * 1024 * 1024)  # absurdly long fields are read, then quarantined
NOT_A_FILE = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO (named pipe)",
              stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
              stat.S_IFSOCK: "a socket", stat.S_IFLNK: "a symbolic link"}
OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


@dataclass(frozen=True)
class RawRow:
    line: int
    cells: list[str]
    error: str | None = None  # the CSV parser's complaint about this row


@dataclass
class CsvFile:
    """What reading a CSV file found: the facts a whole-file failure message names."""

    header: list[str]
    rows: Iterator[RawRow]
    delimiter: str = ","
    encoding: str = "UTF-8"


def shown(text: str, limit: int = 80) -> str:
    """Text safe for a message, a log or a file: undecodable bytes as \\xNN escapes, control
    characters escaped, cut to ``limit`` characters."""
    safe = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    safe = "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in safe)
    return safe if len(safe) <= limit else safe[:limit] + "…"


def _refusal(path: Path, what: str) -> ContractError:
    return ContractError(
        f"{path} is {what}, not a regular file; only regular files inside the landing folder "
        "are read, so it was not opened. Replace it with the export itself (a plain file)."
    )


def checked_landing_path(landing: Path, relative: str) -> Path | None:
    """``landing/relative`` if it is a regular file inside the landing folder, None if absent;
    anything else (a symlink, a device, a FIFO, a directory, a path leading outside) is refused
    with a ContractError and never opened."""
    path = landing / relative
    for depth in range(1, len(Path(relative).parts)):  # a folder on the way, like api_usage/
        folder = landing.joinpath(*Path(relative).parts[:depth])
        if folder.is_symlink():
            raise _refusal(folder, f"a symbolic link (to {shown(os.readlink(folder))})")
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        raise _refusal(path, f"a symbolic link (to {shown(os.readlink(path))})")
    if not stat.S_ISREG(mode):
        raise _refusal(path, NOT_A_FILE.get(stat.S_IFMT(mode), "not a plain file"))
    return path


def open_landing(path: Path) -> BinaryIO:
    """Open a landing file for reading without following a symlink or blocking on a FIFO, and
    refuse it unless it is a regular file (checked on the open descriptor, so a file swapped
    for a link after the check is still refused)."""
    try:
        descriptor = os.open(path, OPEN_FLAGS)
    except OSError as exc:
        raise ContractError(f"{path} cannot be opened ({exc.strerror}); only regular files "
                            "inside the landing folder are read.") from exc
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise _refusal(path, NOT_A_FILE.get(stat.S_IFMT(mode), "not a plain file"))
    return os.fdopen(descriptor, "rb")


def find_source_file(landing: Path, source: str) -> Path | None:
    """``<source>.parquet`` or ``<source>.csv`` in the landing folder (Parquet wins)."""
    for suffix in (".parquet", ".csv"):
        candidate = checked_landing_path(landing, f"{source}{suffix}")
        if candidate is not None:
            return candidate
    return None


def decode(data: bytes, encoding: str = "utf-8") -> tuple[str, str]:
    """The text and a description of its encoding (naming the first undecodable byte): UTF-8
    (BOM stripped), UTF-16 with a BOM, or the contract's encoding. Undecodable UTF-8 bytes are
    kept as surrogate escapes so that only the rows holding them are quarantined."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace"), "UTF-16 (with BOM)"
    if codecs.lookup(encoding).name != "utf-8":
        return data.decode(encoding, "replace"), encoding
    described = "UTF-8"
    if data.startswith(codecs.BOM_UTF8):
        data, described = data[len(codecs.BOM_UTF8):], "UTF-8 (with BOM)"
    try:
        return data.decode("utf-8"), described
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        guess = "; it reads cleanly as Latin-1/Windows-1252" if _is_latin1(data) else ""
        described = (f"not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line}{guess})")
        return data.decode("utf-8", "surrogateescape"), described


def _is_latin1(data: bytes) -> bool:
    """Text in a single-byte Western encoding: no control bytes besides tab/CR/LF."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return not any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text)


def sniff_delimiter(first_line: str, contract: SourceContract) -> str:
    """The declared delimiter, or (``auto``) the one that splits the header into the most
    contract columns (a comma on a tie)."""
    if contract.file.delimiter != "auto":
        return contract.file.delimiter
    known = set(contract.columns)

    def score(delimiter: str) -> int:
        try:
            cells = next(csv.reader([first_line], delimiter=delimiter), [])
        except csv.Error:
            return 0
        return len({c.strip().casefold() for c in cells} & known)

    return max(DELIMITERS, key=lambda d: (score(d), d == ","))


def read_csv(path: Path, contract: SourceContract) -> CsvFile:
    """Header and rows with the physical line each row starts on."""
    with open_landing(path) as handle:
        data = handle.read()
    text, encoding = decode(data, contract.file.encoding)
    delimiter = sniff_delimiter(next(iter(text.splitlines()), ""), contract)
    reader = csv.reader(io.StringIO(text, newline=""), strict=False, delimiter=delimiter)
    try:
        raw_header = next(reader)
    except StopIteration:
        return CsvFile([], iter(()), delimiter, encoding)
    except csv.Error as exc:
        raise ContractError(f"{path}: the header line cannot be parsed as CSV ({exc}).") from exc
    header = [h.strip().casefold() for h in raw_header]
    return CsvFile(header, _rows(reader), delimiter, encoding)


def _rows(reader) -> Iterator[RawRow]:
    previous_end = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawRow(previous_end + 1, [], error=str(exc))
            previous_end = reader.line_num
            continue
        start, previous_end = previous_end + 1, reader.line_num
        if cells:
            yield RawRow(start, cells)


def parquet_file(path: Path) -> pq.ParquetFile:
    """A Parquet file opened through :func:`open_landing` (never through a symlink)."""
    return pq.ParquetFile(open_landing(path))


def parquet_batches(path: Path, batch_rows: int = BATCH_ROWS):
    """Record batches of a Parquet file, so large files never sit in memory whole."""
    with parquet_file(path) as parquet:
        yield from parquet.iter_batches(batch_size=batch_rows)


def parquet_columns(path: Path) -> list[str]:
    with parquet_file(path) as parquet:
        return [name.casefold() for name in parquet.schema_arrow.names]
