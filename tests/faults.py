"""Faults for the tests, made with real processes and sockets: a job run in a child process
that can be killed at a chosen log line, and a TCP proxy in front of Neo4j that cuts the
connection once in the middle of the traffic (what a network blip does to a Bolt session)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable

import dagster as dg

from pipelines.paths import PipelinePaths
from pipelines.settings import PROJECT_ROOT


def request_payload(request: dg.RunRequest) -> str:
    assets = [k.to_user_string() for k in request.asset_selection or []]
    return json.dumps({"tags": dict(request.tags), "assets": assets})


def run_in_child(request: dg.RunRequest, paths: PipelinePaths, at_line: str,
                 action: Callable[[subprocess.Popen], None], timeout: float = 600) -> tuple[
                     int, bool]:
    """Run ``request`` in a child process; call ``action`` when its log shows ``at_line``.
    Return (exit status, whether the line was reached)."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.run_job", paths.landing_dir, paths.work_dir,
         request_payload(request)],
        cwd=PROJECT_ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    return watch_child(child, at_line, action, timeout)


def watch_child(child: subprocess.Popen, at_line: str, action: Callable[[subprocess.Popen], None],
                timeout: float) -> tuple[int, bool]:
    """Read ``child``'s stderr until ``at_line`` shows, call ``action`` then, and wait for it.
    Return (exit status, whether the line was reached)."""
    reached = False
    assert child.stderr is not None
    for line in child.stderr:
        if at_line in line:
            reached = True
            action(child)
            break
    child.communicate(timeout=timeout)
    return child.returncode, reached


class FlakyProxy:
    """Forwards 127.0.0.1:<port> to Neo4j's Bolt port and, once ``cut_after`` bytes have gone
    from the client to the server, closes every open connection a single time."""

    def __init__(self, target_port: int, cut_after: int) -> None:
        self.target_port, self.cut_after = target_port, cut_after
        self.sent, self.cuts = 0, 0
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._open += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False),
                             daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, outbound: bool) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
                if outbound:
                    self._count(len(data))
        except OSError:
            pass
        finally:
            for end in (source, sink):
                end.close()

    def _count(self, size: int) -> None:
        with self._lock:
            self.sent += size
            if self.cuts or self.sent < self.cut_after:
                return
            self.cuts += 1
            for connection in self._open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self._open.clear()

    def close(self) -> None:
        self._server.close()
