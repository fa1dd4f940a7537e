"""Shared helpers for the benchmark scripts: stage timing with peak memory, and tables."""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import psutil


@dataclass
class Stage:
    name: str
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    rows: int = 0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@contextmanager
def measured(name: str) -> Iterator[Stage]:
    """Time the block and sample this process's resident memory every 50 ms."""
    stage = Stage(name)
    process = psutil.Process()
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            stage.peak_rss_mb = max(stage.peak_rss_mb, process.memory_info().rss / 2**20)
            stop.wait(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    started = time.perf_counter()
    try:
        yield stage
    finally:
        stage.seconds = time.perf_counter() - started
        stop.set()
        thread.join()


def print_table(title: str, headers: list[str], rows: list[list[object]]) -> None:
    cells = [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)))


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def progress(message: str) -> None:
    print(f"  .. {message}", flush=True)


Progress = Callable[[str], None]


def world_parser(description: str, folder: str = "work folder (default: a temporary one)"
                 ) -> argparse.ArgumentParser:
    """A script's arguments for the generated world it runs on: preset, seed and folder."""
    from pipelines.generate.presets import PRESETS

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--preset", default="demo", choices=sorted(PRESETS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", default=None, help=folder)
    return parser


ROOT = Path(__file__).resolve().parent.parent


def module_at(revision: str, path: str, imports: dict[str, ModuleType] | None = None
              ) -> ModuleType:
    """The module at ``path`` as it stood at git ``revision``, a benchmark's baseline; its own
    imports find ``imports`` (module name → module) and today's tree for the rest."""
    source = subprocess.run(["git", "show", f"{revision}:{path}"], capture_output=True,
                            text=True, check=True, cwd=ROOT).stdout
    module = ModuleType(f"baseline_{Path(path).stem}")
    imports = imports or {}
    saved = {name: sys.modules.get(name) for name in imports}
    sys.modules.update(imports)
    sys.modules[module.__name__] = module  # dataclasses look their module up there
    try:
        exec(compile(source, f"{revision}:{path}", "exec"), module.__dict__)
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous
    return module
