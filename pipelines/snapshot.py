"""The input snapshot: a hash of every landing file. Its digest is the run id written on every
node and relationship, so the same input always produces the same graph."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

CHUNK = 8 * 1024 * 1024


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def snapshot(landing: Path) -> dict:
    files = {p.name: file_digest(p) for p in sorted(landing.glob("*")) if p.is_file()}
    combined = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
    return {"run_id": f"snap-{combined[:16]}", "files": files}
