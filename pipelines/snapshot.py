"""The input snapshot: a hash of every landing file. Its digest is the run id written on every
node and relationship, so the same input always produces the same graph."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipelines.ingest.reader import open_landing
from pipelines.settings import PROJECT_ROOT

CHUNK = 8 * 1024 * 1024


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open_landing(path) as handle:  # never through a symlink, never a FIFO
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def landing_files(landing: Path) -> list[Path]:
    """Every regular file of the landing folder, its ``api_usage/`` day files included (dot
    files, which tools use while writing, are not part of a drop; symlinks, FIFOs and devices
    are not files of the drop either, and ingestion refuses them by name)."""
    return [p for p in sorted(landing.rglob("*")) if p.is_file() and not p.is_symlink()
            and not any(part.startswith(".") for part in p.relative_to(landing).parts)]


def reference_files() -> dict[str, str]:
    """Digests of the rules resolution runs by (schemas/reference/*.yaml): a changed rule is a
    new run, and the run records which rules built its graph."""
    folder = PROJECT_ROOT / "schemas" / "reference"
    return {f"reference/{p.name}": file_digest(p) for p in sorted(folder.glob("*.yaml"))}


def snapshot(landing: Path) -> dict:
    files = {p.relative_to(landing).as_posix(): file_digest(p) for p in landing_files(landing)}
    reference = reference_files()
    combined = hashlib.sha256(json.dumps([files, reference], sort_keys=True).encode()).hexdigest()
    return {"run_id": f"snap-{combined[:16]}", "files": files, "reference": reference}
