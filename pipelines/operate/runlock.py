"""One run of the main job per work folder at a time.

The first step of a run that writes shared state (every ingestion step, and the load) claims
``<work>/.run.lock`` for its Dagster run id; the other steps of that run pass, and a step of any
other run is refused while the holder lives, with a message naming it. A caller that executes
the job in its own, longer-lived process gives the lock up when the run returns
(:func:`release_work_folder`; ``run_main_job`` does). A lock left behind is stale, and is taken
over, when its run is known to have ended (the Dagster instance says so), when its run worker
process is gone, or when it is this very process (which runs one job at a time); a run killed
that way is then marked failed in the instance, so it does not stay STARTED forever.

The run queue of the shipped instance config (dagster.yaml) keeps runs launched by the daemon to
one at a time as well; this lock also covers runs started from the command line or by tests.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import multiprocessing
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil
from dagster import DagsterInstance, DagsterRunStatus

from pipelines.errors import AttribError
from pipelines.settings import make_private

LOCK_NAME = ".run.lock"
GUARD_NAME = ".run.lock.guard"
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
# A lock from another machine whose run this instance does not know is trusted this long.
FOREIGN_LOCK_SECONDS = 12 * 3600


class WorkFolderBusy(AttribError):
    """Another run of the main job holds the work folder."""


@dataclass(frozen=True)
class Holder:
    """Who holds the work folder: a run, its run worker process and where it runs."""

    run_id: str
    pid: int
    host: str
    since: float

    @classmethod
    def me(cls, run_id: str) -> Holder:
        return cls(run_id, run_worker_pid(), socket.gethostname(), time.time())

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.since))
        return f"run {self.run_id} (pid {self.pid} on {self.host}, since {when})"


def run_worker_pid() -> int:
    """The process that runs the whole run: this one, or, in a step process started by the
    multiprocess executor, its parent."""
    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None and parent.pid else os.getpid()


def _alive_since(pid: int, since: float) -> bool:
    """The process exists and is the one that wrote the lock (not a later one given its pid)."""
    try:
        process = psutil.Process(pid)
        return (process.status() != psutil.STATUS_ZOMBIE
                and process.create_time() <= since + 1)
    except psutil.Error:
        return False


def _is_live(holder: Holder, instance: DagsterInstance | None) -> bool:
    """Whether the holder's run may still be writing; a run that died unseen is marked failed."""
    run = instance.get_run_by_id(holder.run_id) if instance is not None else None
    if run is not None and run.status in FINISHED:
        return False
    if holder.host != socket.gethostname():
        return run is not None or time.time() - holder.since < FOREIGN_LOCK_SECONDS
    if holder.pid == run_worker_pid():
        return False  # this process runs one job at a time: that earlier run has returned
    if _alive_since(holder.pid, holder.since):
        return True
    if run is not None and instance is not None:
        instance.report_run_failed(run, f"its run worker (pid {holder.pid}) is gone: killed or "
                                        "crashed; found when the next run took the work folder")
    return False


def _read(lock: Path) -> Holder | None:
    try:
        return Holder(**json.loads(lock.read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None


@contextlib.contextmanager
def _guard(work: Path) -> Iterator[None]:
    """A short exclusive section (flock) so two runs never both take over one stale lock."""
    work.mkdir(parents=True, exist_ok=True)
    with (work / GUARD_NAME).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def claim_work_folder(work: Path, run_id: str, instance: DagsterInstance | None = None) -> None:
    """Hold ``work`` for ``run_id``, or raise WorkFolderBusy naming the live holder."""
    lock = work / LOCK_NAME
    with _guard(work):
        holder = _read(lock)
        if holder is not None and holder.run_id == run_id:
            return
        if holder is not None and _is_live(holder, instance):
            raise WorkFolderBusy(
                f"The work folder {work} is in use by {holder.describe()}: one run of the main "
                "job at a time, so this run stops here and changes nothing. Run it again when "
                f"that run has finished; if that run is certainly gone, delete {lock}.")
        temporary = lock.with_name(f"{LOCK_NAME}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(asdict(Holder.me(run_id))))
        temporary.replace(lock)


def release_work_folder(work: Path, run_id: str) -> None:
    """Give the work folder up if ``run_id`` holds it (a finished run; stale anyway)."""
    with _guard(work):
        holder = _read(work / LOCK_NAME)
        if holder is not None and holder.run_id == run_id:
            (work / LOCK_NAME).unlink(missing_ok=True)


def holder_of(work: Path) -> Holder | None:
    return _read(work / LOCK_NAME)


def hold_work_folder(context, work: Path) -> None:
    """For a step that writes shared state: the work folder private (it holds account ids) and
    held by this step's run."""
    make_private(work)
    claim_work_folder(work, context.run.run_id, context.instance)
