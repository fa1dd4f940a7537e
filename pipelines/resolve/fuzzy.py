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
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein

from pipelines.normalise.address import address_parts, name_tokens
from pipelines.resolve.scoring import EVIDENCE_COLUMNS

MATCH_COLUMNS = ["left", "right", "match_probability", "match_weight", "gammas"]
MIN_PROFILES = 50  # fewer distinct profiles than this: too few pairs to learn from
MAX_ACCOUNTS_PER_SIDE = 60  # a profile shared by more accounts links through its first one
SEED = 17
U_PAIRS = 2e5  # random pairs sampled for the u probabilities
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


def _near_numbers() -> str:
    """DuckDB SQL: how many numbers of one side have a twin at most one edit away."""
    return ("len(list_filter(address_numbers_l, lambda x: list_min(list_transform("
            "address_numbers_r, lambda y: levenshtein(x, y))) <= 1))")


def _text_comparison(label: str, joined: str, compact: str, levels: tuple[float, ...]):
    """Null, exact (with term-frequency adjustment), then Jaro-Winkler levels on the words run
    together (so a word split in two or joined still compares), else."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name=label,
        comparison_levels=[
            cll.NullLevel(joined),
            cll.ExactMatchLevel(joined).configure(tf_adjustment_column=joined),
            *[cll.JaroWinklerLevel(compact, t) for t in levels],
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
            _text_comparison("name", "name", "name_compact", (0.95, 0.88, 0.8)),
            _text_comparison("address", "address_words", "address_compact",
                             (0.95, 0.9, 0.85, 0.75)),
            cl.CustomComparison(output_column_name="address_numbers", comparison_levels=[
                cll.NullLevel("address_numbers"),
                cll.ExactMatchLevel("address_numbers"),
                cll.ArrayIntersectLevel("address_numbers", 2),
                cll.CustomLevel(f"{_near_numbers()} >= 2", "two numbers alike (one typo)"),
                cll.ArrayIntersectLevel("address_numbers", 1),
                cll.CustomLevel(f"{_near_numbers()} >= 1", "a number alike (one typo)"),
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
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,  # the gamma (level) columns come with them
    )


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
    data["name_compact"] = data["name_tokens"].map(lambda t: "".join(t) if t else None)
    data["address_compact"] = data["address_list"].map(lambda t: "".join(t) if t else None)
    # Numbers of three digits or more (postcodes, long house numbers) are rare enough to block on.
    data["long_numbers"] = data["address_numbers"].map(
        lambda n: [x for x in n if len(x) >= 3] or None if n is not None else None)
    data["rare_words"] = _rare(data["address_list"])
    return data


def _floor_u(linker) -> None:
    """A level no random pair reached has u = 0, which Splink reads as 'certain match'; it only
    means u is below what the sample can see, so it is set to half of one sampled pair."""
    floor = 0.5 / U_PAIRS
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            if not level.is_null_level and level.u_probability is not None:
                level.u_probability = max(level.u_probability, floor)


def _train(linker) -> None:
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        [block_on("name"), block_on("address_words")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=SEED, num_chunks=1)
    _floor_u(linker)
    for rule in (block_on("name"), block_on("address_words")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True)


NAME_ALIKE = 0.85  # token-set similarity of two names that are one name with typos or gaps
ADDRESS_ALIKE = 0.85  # …of two addresses (words and numbers) that are one place
ADDRESS_NEAR = 0.6  # …of two addresses that share most of their words and numbers
RARE_NAME_ALIKE = 0.9  # …of two names, one uncommon, that are one name
WORD_ALIKE = 0.9  # Jaro-Winkler of two name words that are one word with a typo
COMMON_NAME_WORD = 0.001  # a name word on more than this share of profiles is a common name


class IdentityRule:
    """What a billing identity is, whatever the trained weights say: one name (give or take
    typos, swapped or missing words) at one address (likewise), or a name sharing an uncommon
    word at the very same address. The same address under an unrelated name is a shared office
    (a coworking space); the same name elsewhere is a namesake or an operator-level trait; two
    addresses on one street with other house numbers are two places. None of these makes two
    profiles one identity."""

    def __init__(self, profiles: pd.DataFrame) -> None:
        counts = profiles["name_tokens"].explode().value_counts()
        self.common = set(counts[counts > max(2, COMMON_NAME_WORD * len(profiles))].index)
        # Plain Python records: this rule runs once per scored pair (tens of thousands).
        self.records = {
            uid: {"name": name or "", "name_tokens": list(tokens) if tokens is not None else [],
                  "address_words": words or "", "address_numbers": list(numbers or []),
                  "address": " ".join(list(wordlist or []) + list(numbers or []))}
            for uid, name, tokens, words, wordlist, numbers in zip(
                profiles["unique_id"], profiles["name"], profiles["name_tokens"],
                profiles["address_words"], profiles["address_list"],
                profiles["address_numbers"], strict=True)}

    def _shares_uncommon_word(self, left: list[str], right: list[str]) -> bool:
        return any(JaroWinkler.similarity(x, y) >= WORD_ALIKE for x in left
                   if len(x) > 2 and x not in self.common for y in right if len(y) > 2)

    @staticmethod
    def _numbers_agree(left: list[str] | None, right: list[str] | None) -> bool:
        """House numbers, units and postcodes (two digits or more) agree: one in common, and
        at least half of the shorter side's within one edit of the other's. No such numbers on
        one side: nothing to disagree on."""
        left = [x for x in left or [] if len(x) >= 2]
        right = [y for y in right or [] if len(y) >= 2]
        if not left or not right:
            return True
        if not set(left) & set(right):
            return False
        shorter, longer = sorted((left, right), key=len)
        near = sum(any(Levenshtein.distance(x, y) <= 1 for y in longer) for x in shorter)
        return near * 2 >= len(shorter)

    def same(self, left: int, right: int) -> bool:
        a, b = self.records[left], self.records[right]
        name = fuzz.token_set_ratio(a["name"], b["name"]) / 100
        if not self._numbers_agree(a["address_numbers"], b["address_numbers"]):
            # Other house numbers on one street: two places, unless an uncommon name is
            # the same on both (then the numbers carry typos).
            words = fuzz.token_set_ratio(a["address_words"], b["address_words"])
            return (name >= RARE_NAME_ALIKE and words / 100 >= ADDRESS_ALIKE
                    and self._shares_uncommon_word(a["name_tokens"], b["name_tokens"]))
        # token_sort, not token_set: a word on one side only (another street) counts against.
        address = fuzz.token_sort_ratio(a["address"], b["address"]) / 100
        return (name >= NAME_ALIKE and address >= ADDRESS_NEAR) or (
            address >= ADDRESS_ALIKE
            and self._shares_uncommon_word(a["name_tokens"], b["name_tokens"]))


def same_identity(pairs: pd.DataFrame, profiles: pd.DataFrame) -> pd.Series:
    """Which scored pairs of profiles pass the identity rule."""
    if pairs.empty:
        return pd.Series(dtype=bool)
    rule = IdentityRule(profiles)
    return pd.Series([rule.same(a, b) for a, b in zip(pairs["unique_id_l"], pairs["unique_id_r"],
                                                       strict=True)], index=pairs.index)


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
        except Exception as exc:
            logging.getLogger(__name__).warning(f"billing model kept its priors: {exc}")
        scored = linker.inference.predict(threshold_match_probability=min_probability)
        frame = scored.as_pandas_dataframe()
        model = linker.misc.save_model_to_json(out_path=None) if hasattr(
            linker.misc, "save_model_to_json") else {}
    frame = frame[same_identity(frame, profiles)].copy()
    # Each comparison's level, e.g. "name=3,address=4,...": why the model scored the pair so.
    levels = [c.removeprefix("gamma_") + "=" + frame[c].astype(str)
              for c in frame.columns if c.startswith("gamma_")]
    frame["gammas"] = levels[0].str.cat(levels[1:], sep=",") if levels and len(frame) else ""
    frame = frame.rename(columns={"unique_id_l": "left", "unique_id_r": "right"})
    return frame[MATCH_COLUMNS].reset_index(drop=True), json.dumps(model, sort_keys=True,
                                                                   default=str)


def billing_matches(payments: pd.DataFrame, rule: dict) -> tuple[pd.DataFrame, str]:
    """Pairs of distinct billing profiles the model matches, with their accounts; and the
    trained model as JSON."""
    profiles = billing_profiles(payments)
    matches, model = predict_matches(profiles, float(rule["min_probability"]))
    if matches.empty:
        return matches.assign(accounts_l=[], accounts_r=[], profile_l=[], profile_r=[]), model
    lookup = profiles.set_index("unique_id")
    return matches.assign(
        accounts_l=matches["left"].map(lookup["accounts"]),
        accounts_r=matches["right"].map(lookup["accounts"]),
        profile_l=matches["left"].map(lookup["profile"]),
        profile_r=matches["right"].map(lookup["profile"])), model


def _weight(probability: float, rule: dict) -> float:
    """A match at ``min_probability`` weighs ``weight_at_min``, a certain one ``weight_at_one``."""
    low = float(rule["min_probability"])
    share = (probability - low) / max(1 - low, 1e-9)
    return rule["weight_at_min"] + (rule["weight_at_one"] - rule["weight_at_min"]) * share


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
        weight = round(_weight(float(probability), rule), 4)
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
