"""Resolution stage by stage (seconds and peak memory per stage of ``resolve()``), and the
helpers rewritten for speed against their previous implementations on the same world.

    .venv/bin/python bench/bench_resolve.py --preset demo    # about a minute
    .venv/bin/python bench/bench_resolve.py --preset large   # about ten minutes

The previous helpers are kept below only as the same-run baseline; each row says whether the
new one returned exactly what the old one did. The grouping's baseline is read from git
(``--groups-baseline``: the networkx version of ``resolve/cluster.py``) rather than copied.
Whole-stage figures before the rewrite (not the same run; large preset, 2-core machine shared
with other jobs, 2026-11-29, under cProfile, which inflates Python-heavy stages): shared_values
40 s, cluster_links 345 s (Splink prediction 137 s and training 48 s of it), campaign_links
44 s, form_groups 50 s.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Stage, measured, module_at, print_table, progress
from bench.stages import STAGE_COLUMNS, sampled_stages, stage_rows
from pipelines.generate.presets import PRESETS
from pipelines.generate.world import generate_world
from pipelines.paths import PipelinePaths
from pipelines.prepare import prepare_tables
from pipelines.resolve import attach, cluster, coactivity, fuzzy, pipeline, scoring
from pipelines.resolve.assets import load_inputs
from pipelines.resolve.judgements import AccountJudgements
from pipelines.resolve.runs import run_bounds
from pipelines.resolve.weights import DEFAULT_WEIGHTS
from pipelines.tables import table_path

# The last commit whose grouping built a networkx graph of every link (``--groups-baseline``).
GROUPS_BASELINE = "7443f4a"
# The last commit whose hot buckets were counted with pandas groupby-nunique on timestamps.
HOT_BUCKETS_BASELINE = "e8e8699"

# --- the previous implementations, kept only as this benchmark's baseline -------------------

def before_profile_key(rows: pd.DataFrame, columns: list[str]) -> pd.Series:
    return rows[columns].astype(object).fillna("").astype(str).agg("\x1f".join, axis=1)


def before_lists_by(labels: pd.Series, values: pd.Series) -> pd.Series:
    return pd.Series(values.to_numpy(), index=labels.to_numpy()).groupby(level=0).agg(list)


def before_signatures(buckets: pd.DataFrame, min_buckets: int, seed: int = 17) -> pd.DataFrame:
    counts = buckets.groupby("account_id").size()
    rows = buckets[buckets["account_id"].isin(counts[counts >= min_buckets].index)]
    minutes = pd.to_datetime(rows["bucket"], utc=True).dt.as_unit("s").astype("int64") // 60
    values = minutes.to_numpy(dtype=np.uint64)
    accounts = rows["account_id"].to_numpy()
    return pd.DataFrame({f"h{i}": pd.Series(coactivity._mix(values ^ salt)).groupby(
        accounts).min() for i, salt in enumerate(coactivity._salts(seed))})


def before_item(kind: str, value: str, accounts: int, weight: float, coherence: float) -> str:
    item = {"kind": kind, "value": value, "accounts": int(accounts), "weight": float(weight)}
    if coherence > 0:
        item["coherence"] = float(coherence)
    return json.dumps(item, ensure_ascii=False)


def before_score_links(evidence: pd.DataFrame) -> pd.DataFrame:
    """Scoring in pandas: every piece's JSON a Python string, joined per pair in Python."""
    evidence = evidence.astype({"weight": "float64"})
    evidence = evidence[evidence["weight"] > 0]
    evidence = evidence.assign(coherence=evidence["coherence"].astype("float64").fillna(0.0))
    evidence = evidence.astype({"accounts": "int64", "value": str}).sort_values(
        ["a", "b", "weight"], ascending=[True, True, False])
    evidence = evidence.assign(miss=np.log1p(-evidence["weight"].clip(upper=0.999)))
    scores = 1 - np.exp(evidence.groupby(["a", "b"], sort=True)["miss"].sum())
    items = [before_item(*row) for row in zip(
        evidence["kind"].tolist(), evidence["value"].tolist(), evidence["accounts"].tolist(),
        evidence["weight"].tolist(), evidence["coherence"].tolist(), strict=True)]
    pair = evidence["a"].to_numpy() + "\x1f" + evidence["b"].to_numpy()
    starts, ends = run_bounds(pair)
    kind = evidence["kind"].tolist()
    return pd.DataFrame({
        "score": scores.round(4).to_numpy(),
        "kinds": [",".join(sorted(kind[s:e])) for s, e in zip(starts, ends, strict=True)],
        "evidence": ["[" + ", ".join(items[s:e]) + "]" for s, e in zip(starts, ends,
                                                                        strict=True)],
    }, index=scores.index).reset_index()


def campaign_grouping(module: ModuleType, links: pd.DataFrame) -> pd.DataFrame:
    """``module``'s form_groups on the campaign links, with the campaign level's rule."""
    weights = DEFAULT_WEIGHTS
    rule = module.OperationRule(weights.operation_min_accounts,
                                frozenset(weights.identity) | {fuzzy.FUZZY_BILLING_KIND})
    return module.form_groups(links, AccountJudgements(same=[], different=[]),
                              weights.campaign_threshold, len(links) + 1, lambda _: False, rule)


def same_hot_buckets(old: tuple, new: tuple) -> bool:
    """The same hot buckets and densities; a campaign with none had NaN before, 0 now."""
    (old_hot, old_density), (new_hot, new_density) = old, new
    return (old_hot.reset_index(drop=True).equals(new_hot.reset_index(drop=True))
            and old_density.fillna(0.0).sort_index().equals(new_density.sort_index()))


def compare(name: str, before: Callable[[], object], after: Callable[[], object],
            same: Callable[[object, object], bool]) -> list[object]:
    started = time.perf_counter()
    old = before()
    middle = time.perf_counter()
    new = after()
    ended = time.perf_counter()
    return [name, middle - started, ended - middle, (middle - started) / max(ended - middle,
                                                                             1e-9),
            "yes" if same(old, new) else "NO"]


def helper_rows(inputs: pipeline.ResolutionInputs, resolution: pipeline.Resolution,
                groups_baseline: str) -> list[list[object]]:
    payments = inputs.payments
    columns = ["billing_name", "billing_address", "billing_country"]
    text = [payments[c].astype(object).fillna("").astype(str) for c in columns]
    profiles = fuzzy.billing_profiles(payments)
    keys = profiles["name_tokens"].explode().dropna()
    accounts = inputs.accounts["account_id"].astype(str).tolist()
    evidence = pd.DataFrame(
        [(accounts[n % len(accounts)], accounts[(n * 7 + 1) % len(accounts)], "billing_fuzzy",
          f"{name} ≈ {name}", 3, 0.45 + (n % 5) / 10, 0.5)
         for n, name in enumerate(profiles["profile"].tolist() * 20)],
        columns=scoring.EVIDENCE_COLUMNS)
    evidence = evidence[evidence["a"] < evidence["b"]]
    min_buckets = DEFAULT_WEIGHTS.coactivity["min_buckets"]
    operations = resolution.campaigns.assign(cluster_id=resolution.campaigns["anchor"])
    min_cluster = DEFAULT_WEIGHTS.attach["min_cluster"]
    return [
        compare("billing profile key", lambda: before_profile_key(payments, columns),
                lambda: text[0].str.cat(text[1:], sep="\x1f"),
                lambda a, b: a.tolist() == b.tolist()),
        compare("lists per label (blocking keys)",
                lambda: before_lists_by(keys.index.to_series(), keys),
                lambda: fuzzy._lists_by(keys.index.to_series(), keys),
                lambda a, b: a.to_dict() == b.to_dict()),
        compare("MinHash signatures", lambda: before_signatures(inputs.usage_buckets,
                                                                min_buckets),
                lambda: coactivity.signatures(inputs.usage_buckets, min_buckets),
                lambda a, b: a.equals(b)),
        compare("scored links and their evidence JSON", lambda: before_score_links(evidence),
                lambda: scoring.score_links(evidence), lambda a, b: a.equals(b)),
        compare(f"hot buckets of the campaigns (attach.hot_buckets; before: "
                f"{HOT_BUCKETS_BASELINE})",
                lambda: module_at(HOT_BUCKETS_BASELINE, "pipelines/resolve/attach.py"
                                  ).hot_buckets(operations, inputs.usage_buckets, min_cluster),
                lambda: attach.hot_buckets(operations, inputs.usage_buckets, min_cluster),
                same_hot_buckets),
        compare(f"campaign groups (form_groups; before: {groups_baseline})",
                lambda: campaign_grouping(module_at(groups_baseline, "pipelines/resolve/"
                                                    "cluster.py"), resolution.campaign_links),
                lambda: campaign_grouping(cluster, resolution.campaign_links),
                lambda a, b: a.equals(b)),
    ]


def world(preset: str, seed: int, root: Path) -> PipelinePaths:
    paths = PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "work"))
    if not (root / "landing" / "accounts.csv").exists():
        generate_world(preset, seed, root, progress)
    if not table_path(paths, "normalised/accounts").exists():
        prepare_tables(paths, progress)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="demo", choices=sorted(PRESETS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", default=None,
                        help="world folder (default: a temporary one; a prepared world is reused)")
    parser.add_argument("--groups-baseline", default=GROUPS_BASELINE, metavar="GIT_REF",
                        help="commit whose resolve/cluster.py is the grouping's baseline")
    parser.add_argument("--stages-only", action="store_true",
                        help="skip the same-run baselines of the rewritten helpers (at the seed "
                        "preset they take as long as resolve itself)")
    args = parser.parse_args()
    paths = world(args.preset, args.seed, Path(args.dir or tempfile.mkdtemp(
        prefix=f"bench-resolve-{args.preset}-")))
    inputs = load_inputs(paths)
    totals: dict[str, Stage] = {}
    with sampled_stages(totals), measured("resolve") as whole:
        resolution = pipeline.resolve(inputs, pd.DataFrame(columns=["account_id", "cluster_id"]),
                                      "bench")
    print_table(f"resolve() by stage — preset {args.preset}, seed {args.seed}, "
                f"{len(inputs.accounts):,} accounts",
                STAGE_COLUMNS,
                [*stage_rows(totals), ["resolve (whole)", 1, whole.seconds, whole.peak_rss_mb]])
    if args.stages_only:
        return
    print_table("Rewritten helpers against their previous implementation (same run, same data)",
                ["helper", "before s", "now s", "speed-up", "same result"],
                helper_rows(inputs, resolution, args.groups_baseline))


if __name__ == "__main__":
    main()
