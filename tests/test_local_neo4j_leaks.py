"""The local Neo4j leaks nothing: a fresh server (its own home and free ports, next to the test
server) advertises its own ports, gets its initial password without it ever appearing on a
command line, keeps its home readable by this user only, and stops cleanly on SIGTERM even when
launched from a process that ignores it; the running test server advertises the ports it was
configured with."""

from __future__ import annotations

import json
import signal
import socket
import stat
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines.server import class_archive
from pipelines.server import local as neo4j_local
from pipelines.server.graph import open_driver
from pipelines.settings import Neo4jSettings, local_bolt_port, local_http_port

pytestmark = pytest.mark.neo4j
# Quotes, a backslash, a hash, spaces and non-ASCII: what an argument file must carry intact.
AWKWARD_PASSWORD = 'pa ss"wo#rd\\x-Zoë-密码'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def discovery(http_port: int, attempts: int = 60) -> dict:
    """The HTTP discovery document (the HTTP connector may answer a little after Bolt)."""
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/", timeout=10) as answer:
                return json.loads(answer.read())
        except OSError:
            if attempt == attempts - 1:
                raise
            time.sleep(1)
    raise AssertionError("unreachable")


def ignored_signals(pid: int | None) -> set[int]:
    """The signals a process ignores, from the SigIgn mask of /proc/<pid>/status."""
    status = Path(f"/proc/{pid}/status").read_text()
    mask = int(next(line.split()[1] for line in status.splitlines()
                    if line.startswith("SigIgn:")), 16)
    return {number for number in range(1, 65) if mask >> (number - 1) & 1}


def test_the_test_server_advertises_its_configured_ports() -> None:
    if not Neo4jSettings.from_env().is_local():
        pytest.skip("a Neo4j this project does not run is configured by its owner")
    answer = discovery(local_http_port())
    assert answer["bolt_direct"] == f"bolt://127.0.0.1:{local_bolt_port()}"
    assert answer["bolt_routing"] == f"neo4j://127.0.0.1:{local_bolt_port()}"


def test_a_fresh_server_gets_its_password_privately_keeps_its_home_private_and_stops_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = neo4j_local.LocalNeo4j.from_env().home
    home = tmp_path / "home"
    home.mkdir()
    # The installed server's jars, not a second copy; no plugins, so that it starts quickly.
    (home / "lib").symlink_to(installed / "lib", target_is_directory=True)
    (home / "plugins").mkdir()
    bolt, http = free_port(), free_port()
    for name, value in {"NEO4J_HOME_DIR": str(home), "NEO4J_BOLT_PORT": str(bolt),
                        "NEO4J_HTTP_PORT": str(http), "NEO4J_URI": f"bolt://127.0.0.1:{bolt}",
                        "NEO4J_PASSWORD": AWKWARD_PASSWORD, "NEO4J_HEAP_SIZE": "256m",
                        "NEO4J_PAGECACHE_SIZE": "64m", "NEO4J_TX_MEMORY": "128m",
                        # Started once and thrown away: recording its classes for a faster
                        # next start would only lengthen its stop.
                        class_archive.SETTING: "off"}.items():
        monkeypatch.setenv(name, value)
    command_lines: list[list[str]] = []
    for name in ("run", "Popen"):
        real = getattr(subprocess, name)

        def recording(command, *args, _real=real, **kwargs):
            command_lines.append([str(part) for part in command])
            return _real(command, *args, **kwargs)

        monkeypatch.setattr(neo4j_local.subprocess, name, recording)

    server = neo4j_local.LocalNeo4j.from_env()
    # As in a Dagster run inside a shell's background job: SIGTERM mapped to an ignored SIGINT.
    inherited = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        assert neo4j_local.start(server)
        open_driver(Neo4jSettings.from_env()).close()  # the awkward password, intact
        answer = discovery(http)
        ignored = ignored_signals(neo4j_local.running_pid(server))
    finally:
        signal.signal(signal.SIGTERM, inherited)
        neo4j_local.stop(server)

    assert signal.SIGTERM not in ignored
    assert "Stopped." in (home / "logs" / "neo4j.log").read_text()  # a clean shutdown, not a kill

    assert answer["bolt_direct"] == f"bolt://127.0.0.1:{bolt}"
    assert answer["bolt_routing"] == f"neo4j://127.0.0.1:{bolt}"
    assert any("set-initial-password" in line for line in command_lines)
    assert not any(AWKWARD_PASSWORD in part or "密码" in part
                   for line in command_lines for part in line)
    assert not list((home / "run").glob(".initial-password-*"))  # the argument file is gone
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "conf" / "neo4j.conf").stat().st_mode) == 0o600
    store = [p for p in (home / "data").rglob("*") if p.is_file()]
    assert store and all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in store)
