"""Seconds and peak memory per stage of resolution, read by sampling the calling thread's stack
(shared by ``bench_resolve.py`` and ``bench_seed.py``)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import CodeType, FrameType

import psutil

from bench.common import Stage
from pipelines.resolve import assets, attach, billing_increment, coactivity, fuzzy, pipeline

# The stages sampled, by the name their module calls them under. form_groups is called for
# clusters (inside form_clusters) and for campaigns; its seconds add up both. Some stages run
# inside others (cluster_links, the first attach pass and the cluster grouping in
# resolve_clusters; campaign links, growth and the second attach pass in resolve_campaigns;
# billing_matches and score_links in cluster_links; piece_links and form_groups in
# grow_campaigns; Splink's training and scoring in billing_matches): their seconds are counted
# in both rows.
STAGES = ((assets, ("load_inputs", "previous_billing", "save_resolution")),
          (pipeline, ("ip_networks", "shared_values", "resolve_clusters", "cluster_links",
                      "billing_matches", "fuzzy_billing_evidence", "pairs_within",
                      "group_stars", "shared_evidence", "score_links", "form_groups",
                      "resolve_campaigns", "campaign_links", "grow_campaigns", "piece_links",
                      "resolve_organisations", "add_parents", "assign_ids")),
          (fuzzy, ("billing_profiles", "_train", "_splink_scores")),
          (billing_increment, ("signatures", "changed_profiles", "unchanged_pairs")),
          (attach, ("attachment_links",)), (coactivity, ("jaccard_evidence",)))
SAMPLE_SECONDS = 0.05


def stage_codes() -> dict[CodeType, str]:
    """The code object of every stage function (a stage a version lacks is left out)."""
    return {function.__code__: name for module, names in STAGES for name in names
            if (function := getattr(module, name, None)) is not None}


@contextmanager
def sampled_stages(totals: dict[str, Stage]) -> Iterator[None]:
    """Every 50 ms, read which stage functions are on this thread's stack and credit each with
    the elapsed time and the process's resident memory. Nothing is wrapped: a wrapper holds its
    call's arguments, so a stage that frees what it was handed (``score_links`` frees the
    evidence) would look gigabytes larger than it is. Seconds are to the sample; calls are the
    calls seen (one shorter than a sample may be missed)."""
    codes, caller, process, stop = stage_codes(), threading.get_ident(), psutil.Process(), \
        threading.Event()
    frames_seen: dict[str, int] = {}

    def sample() -> None:
        last = time.perf_counter()
        while not stop.wait(SAMPLE_SECONDS):
            now, rss = time.perf_counter(), process.memory_info().rss / 2**20
            active = _active_stages(sys._current_frames().get(caller), codes)
            for name, frame_id in active.items():
                stage = totals.setdefault(name, Stage(name))
                stage.seconds += now - last
                stage.peak_rss_mb = max(stage.peak_rss_mb, rss)
                stage.rows += frames_seen.get(name) != frame_id
            frames_seen.clear()
            frames_seen.update(active)
            last = now

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _active_stages(frame: FrameType | None, codes: dict[CodeType, str]) -> dict[str, int]:
    """The stages on the stack from ``frame`` down, each with its outermost frame's id."""
    active: dict[str, int] = {}
    while frame is not None:
        if (name := codes.get(frame.f_code)) is not None:
            active[name] = id(frame)
        frame = frame.f_back
    return active


def stage_rows(totals: dict[str, Stage]) -> list[list]:
    """The table rows ``print_table`` takes under ``STAGE_COLUMNS``, in the order first seen."""
    return [[s.name, s.rows, s.seconds, s.peak_rss_mb] for s in totals.values()]


STAGE_COLUMNS = ["stage", "calls seen", "seconds", "peak RSS MB"]
