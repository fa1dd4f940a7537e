"""A class-data archive (Java AppCDS) for the local Neo4j, so that it starts faster.

Most of the server's start is the JVM loading and verifying some 30,000 classes of Neo4j, APOC
and GDS. The first time the server runs on a given JVM, jars, heap and flags, the JVM records
the classes it loaded into an archive when it exits (``-XX:ArchiveClassesAtExit``); every later
start maps that archive instead of loading the classes one by one (``-XX:SharedArchiveFile``):
about 30 s to Bolt became about 17 s on the 2-core test machine. The archive holds class
metadata only, never data, and is written only once the server has stopped cleanly.

A missing, stale or unusable archive only costs speed: the JVM then starts without it. Set
NEO4J_CLASS_ARCHIVE=off to start without one.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

SETTING = "NEO4J_CLASS_ARCHIVE"  # "on" (default) or "off"
FOLDER = "cds"  # in the server's home
PARTIAL = ".partial"
# The JVM lists every generated class it cannot archive: thousands of lines in console.log.
QUIET = ("-Xlog:cds=off", "-Xlog:cds+dynamic=off")


def archive_path(home: Path, java: str, identity: Sequence[str]) -> Path | None:
    """The archive for this JVM binary and ``identity`` (its arguments: classpath, heap, flags;
    and what names the jars), or None when archives are turned off. What would make the JVM
    refuse an archive names a different file, so a stale one is not tried again."""
    if os.environ.get(SETTING, "on").lower() == "off":
        return None
    binary = Path(java).resolve()
    stat = binary.stat()
    text = "\n".join([str(binary), str(stat.st_size), str(stat.st_mtime_ns), *identity])
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return home / FOLDER / f"neo4j-{digest}.jsa"


def _base_archive_usable(java: str) -> bool:
    """Recording an archive needs the JDK's own base archive: without one the JVM refuses to
    start at all when asked to record."""
    probe = subprocess.run([java, "-Xshare:on", "-version"], capture_output=True)
    return probe.returncode == 0


def jvm_flags(archive: Path | None, java: str) -> list[str]:
    """Use the archive when there is one; otherwise record one at exit (under a partial name
    until the server has stopped cleanly), dropping archives of earlier jars or JVMs."""
    if archive is None:
        return []
    if archive.exists():
        return [f"-XX:SharedArchiveFile={archive}", *QUIET]
    if not _base_archive_usable(java):
        return []
    archive.parent.mkdir(parents=True, exist_ok=True)
    for old in archive.parent.glob("neo4j-*.jsa*"):
        old.unlink()
    return [f"-XX:ArchiveClassesAtExit={archive}{PARTIAL}", *QUIET]


def settle(home: Path, clean_exit: bool) -> None:
    """After the server has gone: keep an archive it recorded on a clean exit; drop one from a
    server that had to be killed (it may be cut short)."""
    for partial in (home / FOLDER).glob(f"neo4j-*.jsa{PARTIAL}"):
        if clean_exit:
            partial.rename(partial.with_name(partial.name.removesuffix(PARTIAL)))
        else:
            partial.unlink()
