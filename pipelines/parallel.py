"""Pure per-value Python work (contract checks, phone numbers, mail domains, addresses) spread
over forked worker processes, results in input order. The heavy tables go through DuckDB and
Arrow; what is left in Python is work per distinct value that no vectorised library does."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import count, islice, takewhile
from multiprocessing import get_context

WORKERS_SETTING = "ATTRIB_INGEST_WORKERS"  # processes for ingestion's and normalisation's rows
CHUNK = 10_000
POOL_MIN_VALUES = 50_000  # fewer values than this: starting processes costs more than it saves


def workers() -> int:
    """Worker processes (``ATTRIB_INGEST_WORKERS``; default: the machine's cores, at most 4;
    1 does everything in the calling process)."""
    default = min(4, os.cpu_count() or 1)
    return max(1, int(os.environ.get(WORKERS_SETTING, "").strip() or default))


def chunks(items: Iterable, size: int | None = None) -> Iterator[list]:
    """``items`` in lists of ``size`` (default ``CHUNK``), the last one shorter."""
    iterator, size = iter(items), size or CHUNK
    return takewhile(bool, (list(islice(iterator, size)) for _ in count()))


def ordered_map(func: Callable[..., list], parts: Iterable[list], processes: int, *args
                ) -> Iterator[tuple[list, list]]:
    """Each part with ``func(part, *args)``, in order; with ``processes`` > 1 computed in that
    many forked processes, a few parts ahead of the caller (so a stream is never held whole).
    Forked, not spawned: a spawned worker first re-runs the caller's main module (any script
    without a ``__main__`` guard), and these workers only compute."""
    if processes < 2:
        for part in parts:
            yield part, func(part, *args)
        return
    with ProcessPoolExecutor(processes, mp_context=get_context("fork")) as pool:
        ahead: deque = deque()
        for part in parts:
            ahead.append((part, pool.submit(func, part, *args)))
            if len(ahead) > 2 * processes:
                done, future = ahead.popleft()
                yield done, future.result()
        for done, future in ahead:
            yield done, future.result()


def _apply(values: list, func: Callable) -> list:
    return [func(*value) if isinstance(value, tuple) else func(value) for value in values]


def map_values(func: Callable, values: Sequence) -> list:
    """``[func(v) for v in values]`` (``func(*v)`` for a tuple), in worker processes when there
    are many values and more than one worker."""
    processes = workers() if len(values) >= POOL_MIN_VALUES else 1
    return [result for _, results in ordered_map(_apply, chunks(values), processes, func)
            for result in results]
