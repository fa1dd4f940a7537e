"""Fuzzy billing identities with Splink: two billing profiles (cardholder or company name and
address) that name the same person or company despite typos, swapped or missing words, accents,
transliteration, abbreviations and postcode spacing.

A Fellegi–Sunter model on the DuckDB backend, trained without labels (u by random sampling, m by
expectation maximisation on two blocking passes), compares the distinct billing profiles; its
match probability, times the kind's weight, is the evidence on the pairs of accounts behind two
matching profiles. The trained model is kept as JSON next to the run (``model_json``) so every
probability can be explained comparison by comparison.
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings

import pandas as pd

from pipelines.normalise.address import address_parts, name_tokens
from pipelines.resolve.scoring import EVIDENCE_COLUMNS

MATCH_COLUMNS = ["left", "right", "match_probability", "match_weight", "gammas"]
MIN_PROFILES = 50  # fewer distinct profiles than this: too few pairs to learn from
MAX_ACCOUNTS_PER_SIDE = 60  # a profile shared by more accounts links through its first one
SEED = 17
U_PAIRS = 3e4  # random pairs for the u probabilities (each costs ~0.1 ms in DuckDB)
COMPARED = ("name", "address_words", "address_numbers", "country")


def billing_profiles(payments: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct (billing name, address, country), with the prepared columns the
    model compares; ``accounts`` lists the accounts that pay with it."""
    rows = payments[["account_id", "billing_name", "billing_address", "billing_country"]]
    rows = rows[rows["billing_name"].notna() | rows["billing_address"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=["profile", "accounts", "name", "name_tokens",
                                     "address_words", "address_list", "address_numbers",
                                     "country"])
    key = (rows["billing_name"].fillna("") + "\x1f" + rows["billing_address"].fillna("")
           + "\x1f" + rows["billing_country"].fillna(""))
    grouped = rows.assign(profile=key).groupby("profile", sort=True)
    first = grouped.first()
    accounts = grouped["account_id"].agg(lambda s: sorted(set(s)))
    names = first["billing_name"].map(lambda v: name_tokens(v) if isinstance(v, str) else [])
    parts = first["billing_address"].map(
        lambda v: address_parts(v) if isinstance(v, str) else ([], []))
    frame = pd.DataFrame({
        "profile": first.index, "accounts": accounts.to_numpy(),
        "name": [" ".join(t) or None for t in names], "name_tokens": names.to_numpy(),
        "address_words": [" ".join(w) or None for w, _ in parts],
        "address_list": [w or None for w, _ in parts],
        "address_numbers": [n or None for _, n in parts],
        "country": first["billing_country"].to_numpy(),
    })
    frame["unique_id"] = range(len(frame))
    return frame


def _fuzzy_share(column: str, similarity: float) -> str:
    """DuckDB SQL: the share of one side's words that have a Jaro-Winkler twin on the other
    side (over the longer side), robust to typos, missing words and word order."""
    left, right = f"{column}_l", f"{column}_r"
    matched = (f"len(list_filter({left}, lambda x: list_max(list_transform({right}, "
               f"lambda y: jaro_winkler_similarity(x, y))) >= {similarity}))")
    return f"({matched} / greatest(len({left}), len({right})))"


def _overlap(column: str) -> str:
    """DuckDB SQL: Jaccard similarity of two arrays (character bigrams: robust to a word split
    in two, letters swapped or dropped)."""
    left, right = f"{column}_l", f"{column}_r"
    return (f"(len(list_intersect({left}, {right})) / "
            f"len(list_distinct(list_concat({left}, {right}))))")


def _text_comparison(label: str, joined: str, words: str, bigrams: str, levels: tuple):
    """Null, exact (with term-frequency adjustment), then the given fuzzy levels, else."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    sql = {"words": lambda t: f"{_fuzzy_share(words, 0.88)} >= {t}",
           "bigrams": lambda t: f"{_overlap(bigrams)} >= {t}"}
    return cl.CustomComparison(
        output_column_name=label,
        comparison_levels=[
            cll.NullLevel(joined),
            cll.ExactMatchLevel(joined).configure(tf_adjustment_column=joined),
            *[cll.CustomLevel(sql[kind](t), f"{kind} alike ≥ {t}") for kind, t in levels],
            cll.ElseLevel(),
        ])


def _settings():
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            _text_comparison("name", "name", "name_tokens", "name_bigrams", (
                ("words", 1.0), ("bigrams", 0.7), ("words", 0.5), ("bigrams", 0.45))),
            _text_comparison("address", "address_words", "address_list", "address_bigrams", (
                ("bigrams", 0.85), ("bigrams", 0.7), ("bigrams", 0.55), ("bigrams", 0.4))),
            cl.CustomComparison(output_column_name="address_numbers", comparison_levels=[
                cll.NullLevel("address_numbers"),
                cll.ExactMatchLevel("address_numbers"),
                cll.ArrayIntersectLevel("address_numbers", 2),
                cll.ArrayIntersectLevel("address_numbers", 1),
                cll.ElseLevel()]),
            cl.ExactMatch("country"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("name"),
            block_on("address_words"),
            block_on("name_tokens", "address_numbers",
                     arrays_to_explode=["name_tokens", "address_numbers"]),
            block_on("long_numbers", arrays_to_explode=["long_numbers"]),
            block_on("rare_words", "address_numbers",
                     arrays_to_explode=["rare_words", "address_numbers"]),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def _bigrams(words: list[str] | None) -> list[str] | None:
    """Character bigrams of the words run together (a split or joined word still agrees)."""
    text = "".join(words or [])
    return sorted({text[i:i + 2] for i in range(len(text) - 1)}) or None


def _rare(lists: pd.Series, share: float = 0.002, floor: int = 20) -> pd.Series:
    """Per row, the words few profiles use: a shared rare word is worth comparing on."""
    counts = lists.explode().value_counts()
    rare = set(counts[counts <= max(floor, share * len(lists))].index)
    return lists.map(lambda ws: [w for w in ws if w in rare] or None if ws is not None else None)


def comparison_frame(profiles: pd.DataFrame) -> pd.DataFrame:
    """The columns the model compares and blocks on, one row per profile."""
    data = profiles[["unique_id", "name", "name_tokens", "address_words", "address_list",
                     "address_numbers", "country"]].copy()
    data["name_tokens"] = data["name_tokens"].map(lambda t: list(t) or None)
    data["name_bigrams"] = data["name_tokens"].map(_bigrams)
    data["address_bigrams"] = data["address_list"].map(_bigrams)
    # Numbers of three digits or more (postcodes, long house numbers) are rare enough to block on.
    data["long_numbers"] = data["address_numbers"].map(
        lambda n: [x for x in n if len(x) >= 3] or None if n is not None else None)
    data["rare_words"] = _rare(data["address_list"])
    return data


def _train(linker) -> None:
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        [block_on("name", "address_words")], recall=0.5)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=SEED, num_chunks=1)
    for rule in (block_on("name"), block_on("address_words")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True)


def predict_matches(profiles: pd.DataFrame, min_probability: float) -> tuple[pd.DataFrame, str]:
    """Scored pairs of distinct profiles (``left`` < ``right`` unique ids) and the trained
    model as JSON ('' when there were too few profiles to train on)."""
    if len(profiles) < MIN_PROFILES:
        return pd.DataFrame(columns=MATCH_COLUMNS), ""
    from splink import DuckDBAPI, Linker

    data = comparison_frame(profiles)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        db_api = DuckDBAPI()
        linker = Linker(db_api.register(data), _settings(), log_level=logging.ERROR)
        try:
            _train(linker)
        except Exception as exc:  # noqa: BLE001 — EM needs enough pairs; say so, keep priors
            logging.getLogger(__name__).warning(f"billing model kept its priors: {exc}")
        scored = linker.inference.predict(threshold_match_probability=min_probability)
        frame = scored.as_pandas_dataframe()
        model = linker.misc.save_model_to_json(out_path=None) if hasattr(
            linker.misc, "save_model_to_json") else {}
    gamma_columns = [c for c in frame.columns if c.startswith("gamma_")]
    frame["gammas"] = frame[gamma_columns].astype(str).agg(",".join, axis=1) if len(
        frame) else ""
    frame = frame.rename(columns={"unique_id_l": "left", "unique_id_r": "right"})
    return frame[MATCH_COLUMNS].reset_index(drop=True), json.dumps(model, sort_keys=True,
                                                                   default=str)


def billing_matches(payments: pd.DataFrame, rule: dict) -> pd.DataFrame:
    """Pairs of distinct billing profiles the model matches, with their accounts."""
    profiles = billing_profiles(payments)
    matches, _ = predict_matches(profiles, float(rule["min_probability"]))
    if matches.empty:
        return matches.assign(accounts_l=[], accounts_r=[], profile_l=[], profile_r=[])
    lookup = profiles.set_index("unique_id")
    return matches.assign(
        accounts_l=matches["left"].map(lookup["accounts"]),
        accounts_r=matches["right"].map(lookup["accounts"]),
        profile_l=matches["left"].map(lookup["profile"]),
        profile_r=matches["right"].map(lookup["profile"]))


def _representatives(accounts: list[str]) -> list[str]:
    return accounts if len(accounts) <= MAX_ACCOUNTS_PER_SIDE else accounts[:1]


def fuzzy_billing_evidence(matches: pd.DataFrame, payments: pd.DataFrame, rule: dict
                           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(candidate pairs, evidence rows) between the accounts of matching billing profiles."""
    rows = []
    for accounts_l, accounts_r, probability, left, right in zip(
            matches["accounts_l"], matches["accounts_r"], matches["match_probability"],
            matches["profile_l"], matches["profile_r"], strict=True):
        value = " ≈ ".join(p.replace("\x1f", " | ").strip(" |") for p in (left, right))
        weight = round(float(rule["weight"]) * float(probability), 4)
        for a in _representatives(accounts_l):
            for b in _representatives(accounts_r):
                if a != b:
                    rows.append((min(a, b), max(a, b), "billing_fuzzy", value,
                                 len(accounts_l) + len(accounts_r), weight, 0.0))
    evidence = pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
    evidence = evidence.sort_values("weight", ascending=False).drop_duplicates(["a", "b"])
    return evidence[["a", "b"]].reset_index(drop=True), evidence.reset_index(drop=True)


def model_digest(model_json: str) -> str:
    return hashlib.sha256(model_json.encode()).hexdigest()[:16] if model_json else "none"
