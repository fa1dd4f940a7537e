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
import re
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler

from pipelines.normalise.address import (
    STRUCTURED,
    address_parts,
    locality,
    name_tokens,
    one_line_address,
)
from pipelines.normalise.sql import connect
from pipelines.normalise.text import fold_ascii
from pipelines.resolve.billing_increment import (
    KEY_COLUMNS,
    RETRAIN_GROWTH,
    BillingState,
    changed_only,
    changed_profiles,
    matcher_version,
    near_changed,
    reusable,
    signatures,
    tf_lookup,
    tf_totals,
    unchanged_pairs,
)
from pipelines.resolve.runs import run_bounds
from pipelines.resolve.scoring import EVIDENCE_COLUMNS

FUZZY_BILLING_KIND = "billing_fuzzy"  # evidence kind of a fuzzy billing-profile match

MATCH_COLUMNS = ["left", "right", "match_probability", "match_weight", "gammas"]
MIN_PROFILES = 50  # fewer distinct profiles than this: too few pairs to learn from
MAX_ACCOUNTS_PER_SIDE = 60  # a profile shared by more accounts links through its first one
SEED = 17
U_PAIRS = 2e5  # random pairs sampled for the u probabilities
MAX_BLOCK = 100  # profiles sharing a training key past which they are trained on in windows
# Profiles sharing a prediction key past which they are compared in windows (each row meets
# about this many neighbours). On a quarter of the seed preset's billing profiles, 50 instead of
# 100 made Splink's prediction 1.6-2.2x faster and the identity rule accepted 0-0.3 % fewer
# pairs (bench/bench_billing_windows.py): a campaign's variants sort next to each other.
PREDICTION_WINDOW = 50
EM_PAIRS = 4e6  # pairs one training pass compares at most: past it, a fixed share of its blocks
COMPARED = ("name", "address_words", "address_numbers", "country")


PROFILE_COLUMNS = ["profile", "accounts", "name", "name_tokens", "address_words",
                   "address_list", "address_numbers", "city", "postcode", "region", "country"]


def _postcode(value: object) -> str | None:
    text = "".join(ch for ch in fold_ascii(value) if ch.isalnum()) if isinstance(
        value, str) else ""
    return text or None


def billing_profiles(payments: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct billing profile (name, address, country; the structured address
    fields when the export has them), with the prepared columns the model compares;
    ``accounts`` lists the accounts that pay with it."""
    columns = ["account_id", "billing_name", "billing_address", "billing_country",
               *[c for c in STRUCTURED if c in payments]]
    rows = payments[columns].copy()
    # The line as the export wrote it (None where only structured fields were given).
    rows["line_given"] = rows["billing_address"]
    rows["billing_address"] = one_line_address(rows)
    rows = rows[rows["billing_name"].notna() | rows["billing_address"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=[*PROFILE_COLUMNS, "unique_id"])
    text = [rows[c].astype(object).fillna("").astype(str) for c in columns[1:]]
    key = text[0].str.cat(text[1:], sep="\x1f")
    first = rows.assign(profile=key).groupby("profile", sort=True).first()
    paying = pd.DataFrame({"profile": key, "account_id": rows["account_id"]}).drop_duplicates()
    paying = paying.sort_values(["profile", "account_id"])
    accounts = _lists_by(paying["profile"], paying["account_id"]).reindex(first.index)
    names = first["billing_name"].map(lambda v: name_tokens(v) if isinstance(v, str) else [])
    parts = first["billing_address"].map(
        lambda v: address_parts(v) if isinstance(v, str) else ([], []))
    field = lambda c: first[c] if c in first else pd.Series(None, index=first.index)  # noqa: E731
    # Where the export wrote a line and no structured city or postcode, its end gives them.
    places = [locality(v) for v in first["line_given"]]
    frame = pd.DataFrame({
        "profile": first.index.str.replace("\x1f", " | ").str.strip(" |"),
        "accounts": accounts.to_numpy(),
        "name": [" ".join(t) or None for t in names], "name_tokens": names.to_numpy(),
        "address_words": [" ".join(w) or None for w, _ in parts],
        "address_list": [w or None for w, _ in parts],
        "address_numbers": [n or None for _, n in parts],
        "city": [(fold_ascii(v) if isinstance(v, str) else None) or place[0]
                 for v, place in zip(field("billing_city"), places, strict=True)],
        "postcode": [_postcode(v) or place[1]
                     for v, place in zip(field("billing_postcode"), places, strict=True)],
        "region": [fold_ascii(v) or None if isinstance(v, str) else None
                   for v in field("billing_region")],
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
            cl.JaroWinklerAtThresholds("city", [0.9]),
            cl.LevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("region"),
            cl.ExactMatch("country"),
        ],
        # A run by difference joins only the rows sharing one of these keys with a changed
        # profile (billing_increment.near_changed): a new rule must be added there too.
        blocking_rules_to_generate_predictions=[
            *[block_on(column, arrays_to_explode=[column]) for column in KEY_COLUMNS],
            block_on("postcode", "substr(name_compact, 1, 2)"),
        ],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,  # the gamma (level) columns come with them
    )


def _rare(lists: pd.Series, share: float = 0.002, floor: int = 20) -> pd.Series:
    """Per row, the words few profiles use: a shared rare word is worth comparing on."""
    counts = lists.explode().value_counts()
    rare = set(counts[counts <= max(floor, share * len(lists))].index)
    return lists.map(lambda ws: [w for w in ws if w in rare] or None if ws is not None else None)


def comparison_frame(profiles: pd.DataFrame, window: int = PREDICTION_WINDOW) -> pd.DataFrame:
    """The columns the model compares and blocks on, one row per profile; prediction keys
    shared by more than ``window`` profiles are cut into windows."""
    data = profiles[["unique_id", "name", "name_tokens", "address_words", "address_list",
                     "address_numbers", "city", "postcode", "region", "country"]].copy()
    data["name_tokens"] = data["name_tokens"].map(lambda t: list(t) or None)
    data["name_compact"] = data["name_tokens"].map(lambda t: "".join(t) if t else None)
    data["address_compact"] = data["address_list"].map(lambda t: "".join(t) if t else None)
    # Numbers of three digits or more (postcodes, long house numbers) are rare enough to block on.
    data["long_numbers"] = data["address_numbers"].map(
        lambda n: [x for x in n if len(x) >= 3] or None if n is not None else None)
    rare_words = _rare(data["address_list"])
    order = data["name_compact"].fillna("") + " " + data["address_compact"].fillna("")
    names = data["name"].map(lambda v: [v] if isinstance(v, str) else None)
    places = data["address_words"].map(lambda v: [v] if isinstance(v, str) else None)
    data["name_keys"] = windowed_keys(names, order, window)
    data["address_keys"] = windowed_keys(places, order, window)
    data["name_block"] = windowed_keys(names, order, MAX_BLOCK, overlap=False).str[0]
    data["address_block"] = windowed_keys(places, order, MAX_BLOCK, overlap=False).str[0]
    data["name_em_block"] = sampled_blocks(data["name_block"])
    data["address_em_block"] = sampled_blocks(data["address_block"])
    data["word_number_keys"] = windowed_keys(_crossed(data["name_tokens"],
                                                      data["address_numbers"]), order, window)
    data["long_number_keys"] = windowed_keys(data["long_numbers"], order, window)
    data["rare_word_keys"] = windowed_keys(_crossed(rare_words, data["address_numbers"]), order,
                                           window)
    return data


def sampled_blocks(blocks: pd.Series, budget: float = EM_PAIRS) -> pd.Series:
    """The training blocks, or where their pairs pass ``budget`` a share of the blocks chosen
    by a hash of the key (the same profiles, the same share): expectation maximisation learns
    the m probabilities as well from a few million pairs as from all of them, and at a million
    accounts the name and address blocks hold about twenty million pairs each."""
    sizes = blocks.value_counts()
    pairs = float((sizes * (sizes - 1) / 2).sum())
    if pairs <= budget:
        return blocks
    keys = sizes.index.to_numpy(dtype=object)
    position = pd.util.hash_array(keys, categorize=False) / np.float64(2**64)
    kept = set(keys[position < budget / pairs])
    return blocks.where(blocks.isin(kept))


def _crossed(left: pd.Series, right: pd.Series) -> pd.Series:
    """Per row, every ``left|right`` pair of its two lists (None when either is empty)."""
    return pd.Series([[f"{x}|{y}" for x in a for y in b] if a is not None and b is not None
                      and len(a) and len(b) else None for a, b in zip(left, right, strict=True)],
                     index=left.index, dtype=object)


def windowed_keys(keys: pd.Series, order: pd.Series, window: int = PREDICTION_WINDOW,
                  overlap: bool = True) -> pd.Series:
    """Blocking keys per row, with every key more than ``window`` rows share cut into windows
    of its rows sorted by ``order`` (name, then address): a campaign's office or billing
    organisation written 2,000 ways is compared neighbour to neighbour instead of all 2 million
    pairs. With ``overlap`` (prediction) every row is in two windows cut where its content says
    (``content_windows``), so that the windows overlap and a new profile moves one window, not
    every window after it; without (training, where a sample of the pairs is enough) one window
    a row, ``window`` rows by rank."""
    rows = pd.DataFrame({"key": keys, "order": order}).explode("key").dropna(subset=["key"])
    if rows.empty:
        return pd.Series(None, index=keys.index, dtype=object)
    sizes = rows.groupby("key")["key"].transform("size")
    big = rows[sizes > window].sort_values(["key", "order"], kind="stable")
    if overlap:
        split = content_windows(big["key"], big["order"], window)
    else:
        split = [big["key"] + "#a" + (big.groupby("key").cumcount() // window).astype(str)]
    every = pd.concat([rows.loc[sizes <= window, "key"], *split])
    lists = _lists_by(every.index.to_series(), every).reindex(keys.index)
    return pd.Series([v if isinstance(v, list) else None for v in lists], index=keys.index,
                     dtype=object)


def content_windows(key: pd.Series, order: pd.Series, window: int) -> list[pd.Series]:
    """Two window labels per row of ``key`` (sorted by key, then ``order``), cut where the
    content says: a window starts at a row whose ``order`` hashes to a set residue modulo
    ``window / 2`` (the mean window, so a row meets as many others as in rank windows of
    ``window``), is named after that row, and is cut again past ``2 * window`` rows. The two
    labellings start windows at different residues, so no row starts a window in both and
    neighbours always share one (the chain of a run of variants holds). A row added to a block
    joins one window of each labelling; the others keep their members and names — windows cut
    by rank would all shift by one row, and a daily run would score every pair of the block
    again."""
    keys, orders = key.to_numpy(dtype=object), order.to_numpy(dtype=object)
    digest = pd.util.hash_array(orders)
    first = np.r_[True, keys[1:] != keys[:-1]]
    new_value = first | np.r_[True, orders[1:] != orders[:-1]]
    mean = max(2, window // 2)
    labels = []
    for tag, residue in (("a", 0), ("b", mean // 2)):
        start = first | (new_value & (digest % mean == residue))
        run = np.cumsum(start) - 1
        starts = np.flatnonzero(start)
        name = np.where(first[starts], np.uint64(0), digest[starts])[run]
        piece = (np.arange(len(keys)) - starts[run]) // (2 * window)
        suffix = pd.Series(name, index=key.index).astype(str) + np.where(
            piece > 0, "." + piece.astype(str), "")
        labels.append(key + f"#{tag}" + suffix)
    return labels


def _lists_by(labels: pd.Series, values: pd.Series) -> pd.Series:
    """The values of each label as one list, in their order: a groupby's ``agg(list)`` without
    its Python call per group (a hundred thousand profiles, several key columns each)."""
    if labels.empty:
        return pd.Series(dtype=object)
    order = np.argsort(labels.to_numpy(), kind="stable")
    label = labels.to_numpy()[order]
    value = values.to_numpy()[order].tolist()
    starts, ends = run_bounds(label)
    return pd.Series([value[s:e] for s, e in zip(starts, ends, strict=True)],
                     index=label[starts], dtype=object)


def _floor_u(linker) -> None:
    """A level no random pair reached has u = 0, which Splink reads as 'certain match'; it only
    means u is below what the sample can see, so it is set to half of one sampled pair."""
    floor = 0.5 / U_PAIRS
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            if not level.is_null_level and level.u_probability is not None:
                level.u_probability = max(level.u_probability, floor)


def _neutral_unseen_m(linker) -> None:
    """A level no training pass saw (a city written with a typo where every trained block
    agreed on the city) keeps Splink's "not observed" for its m, which the saved model leaves
    out; scored with that model, a pair reaching the level gets no weight at all (Splink's sum
    is null) and is never scored, however alike the rest. Training could not say how often
    matches reach it, so it is made neutral (m = u, weight 0). A comparison none of whose
    levels were trained (a column every profile leaves empty) is left alone: only its null
    level is ever reached."""
    for comparison in linker._settings_obj.comparisons:
        levels = [level for level in comparison.comparison_levels if not level.is_null_level]
        if not any(level._m_is_trained for level in levels):
            continue
        for level in levels:
            if not level._m_is_trained and level._u_is_trained:
                level.m_probability = level.u_probability


def _train(linker) -> None:
    from splink import block_on

    # Exact name, exact address words; a value shared by more than MAX_BLOCK profiles in
    # windows of its neighbours (a street name the whole city shares is no training block).
    # The prior counts every block's pairs (a count is cheap); EM compares a sample of them.
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name_block"), block_on("address_block")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=SEED, num_chunks=1)
    _floor_u(linker)
    # Each pass on its own: profiles that never repeat a name still teach from their shared
    # addresses (a failed pass used to leave the other untried and the model at its priors).
    for block in ("name_em_block", "address_em_block"):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(block), estimate_without_term_frequencies=True)
        except Exception as exc:  # Splink raises plain exceptions for a pass with no pairs
            logging.getLogger(__name__).warning(f"billing model: no {block} pass: {exc}")
    _neutral_unseen_m(linker)


# The comparison whose edit distances between every number of both sides cost most of the
# prediction; the others, cheap, decide which pairs are worth it.
DEAREST = ("address_numbers",)
NEVER_PRUNED = 1e9  # a level's weight standing for "this level keeps every pair"


def _level_sql_for_blocking(condition: str) -> str:
    """A comparison level's SQL (``"col_l"``, ``"col_r"``) as blocking-rule SQL (``l."col"``)."""
    return re.sub(r'"(\w+)_([lr])"', r'\2."\1"', condition)


def weight_bound_filter(settings, min_probability: float) -> str | None:
    """Blocking-rule SQL that keeps only the pairs whose match weight can still reach
    ``min_probability`` once their cheap comparisons' levels are known: the dearest one is
    counted at its best level. Output is unchanged (a dropped pair's best case stays below the
    threshold), but the address numbers' edit distances are no longer computed for the
    blocked pairs no level could lift. Levels with term-frequency adjustments or no trained
    weight never prune. None when no bound can be given (``settings`` is the trained linker's
    settings object)."""
    from splink.internals.misc import prob_to_match_weight

    prior = settings._probability_two_random_records_match
    if not 0 < prior < 1 or not 0 < min_probability < 1:
        return None
    # The threshold and the prior as prediction itself turns them into match weights.
    need = prob_to_match_weight(min_probability) - prob_to_match_weight(prior)
    cases = []
    for comparison in settings.comparisons:
        levels = comparison.comparison_levels
        if comparison.output_column_name in DEAREST:
            if any(level._has_tf_adjustments for level in levels):
                return None
            need -= max((level._match_weight for level in levels
                         if level._match_weight is not None), default=0.0)
            continue
        # Each level's match weight as prediction adds it (null levels 0; None when untrained).
        pruning = [(level, NEVER_PRUNED if level._match_weight is None
                    or level._has_tf_adjustments else level._match_weight) for level in levels]
        whens = " ".join(
            f"WHEN {_level_sql_for_blocking(level.sql_condition)} THEN {weight!r}"
            for level, weight in pruning if not level._is_else_level)
        otherwise = next((w for level, w in pruning if level._is_else_level), NEVER_PRUNED)
        cases.append(f"(CASE {whens} ELSE {otherwise!r} END)")
    # A millionth of a bit of slack: the bound must never drop a pair Splink's own float sum
    # puts exactly on the threshold.
    return f"({' + '.join(cases)}) >= {need - 1e-6!r}" if cases else None


def with_weight_bound(model: dict, bound: str | None) -> dict:
    """The trained model (as saved) with its prediction blocking rules narrowed by ``bound``."""
    if bound is None:
        return model
    narrowed = json.loads(json.dumps(model))
    for rule in narrowed["blocking_rules_to_generate_predictions"]:
        rule["blocking_rule"] = f"({rule['blocking_rule']}) AND {bound}"
    return narrowed


NAME_ALIKE = 0.85  # token-set similarity of two names that are one name with typos or gaps
ADDRESS_ALIKE = 0.85  # …of two addresses (words and numbers) that are one place
PRIVATE_PLACE = 2  # at most this many names billed at one address: a home, not an office
BUSY_SPELLINGS = 20  # more name spellings than this on one street are more than a household
SAME_ADDRESS = 0.9  # …of two addresses that are the very same place, typos aside
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
        # How many different names are billed at each exact address.
        places = profiles.assign(place=[" ".join(list(w or []) + list(n or [])) for w, n in zip(
            profiles["address_list"], profiles["address_numbers"], strict=True)])
        self.occupancy = {place: self._people(names) for place, names in
                          places.groupby("place")["name_tokens"]}
        # Streets (address words, numbers aside) where more than a household's names bill: a
        # business district's towers, not one family's road.
        self.busy_streets = {words for words, names in profiles.groupby("address_words")[
            "name_tokens"] if self._more_than_a_household(names)}
        # Plain Python records: this rule runs once per scored pair (tens of thousands).
        self.records = {
            uid: {"name": name or "", "name_tokens": list(tokens) if tokens is not None else [],
                  "address_words": words or "",
                  "numbers": frozenset(x for x in numbers or [] if len(x) >= 2),
                  "every_number": frozenset(numbers or []),
                  "postcode": postcode,
                  "address": " ".join(list(wordlist or []) + list(numbers or []))}
            for uid, name, tokens, words, wordlist, numbers, postcode in zip(
                profiles["unique_id"], profiles["name"], profiles["name_tokens"],
                profiles["address_words"], profiles["address_list"],
                profiles["address_numbers"], profiles["postcode"], strict=True)}

    @classmethod
    def _people(cls, names: pd.Series) -> int:
        """How many people the names billed at one place are: names sharing a word (give or
        take a typo) are one person written several ways."""
        distinct = {tuple(t) for t in names if t is not None and len(t)}
        if len(distinct) <= PRIVATE_PLACE:
            return len(distinct)
        people: list[list[tuple[str, ...]]] = []
        for name in sorted(distinct):
            near = [p for p in people if any(cls._shares_word(list(name), list(o)) for o in p)]
            merged = [name, *(n for p in near for n in p)]
            people = [p for p in people if p not in near] + [merged]
        return len(people)

    @classmethod
    def _more_than_a_household(cls, names: pd.Series) -> bool:
        distinct = {tuple(t) for t in names if t is not None and len(t)}
        if len(distinct) <= PRIVATE_PLACE:
            return False
        # Past a score of spellings no typo grouping makes them one family (and the grouping
        # is quadratic).
        return len(distinct) > BUSY_SPELLINGS or cls._people(names) > PRIVATE_PLACE

    @staticmethod
    def _shares_word(left: list[str], right: list[str]) -> bool:
        return any(JaroWinkler.similarity(x, y) >= WORD_ALIKE for x in left if len(x) > 2
                   for y in right if len(y) > 2)

    @staticmethod
    def _initials_disagree(left: list[str], right: list[str]) -> bool:
        """An initial on one side that no word of the other side's own (the words the two do
        not share) begins with, where the other side has such words: ``f`` against ``jerome``.
        An initial against nothing (a middle initial left out) or against its word agrees."""
        own_left, own_right = set(left) - set(right), set(right) - set(left)
        return any(len(x) == 1 and others and not any(y.startswith(x) for y in others)
                   for mine, others in ((own_left, own_right), (own_right, own_left))
                   for x in mine)

    def _shares_uncommon_word(self, left: list[str], right: list[str]) -> bool:
        return any(JaroWinkler.similarity(x, y) >= WORD_ALIKE for x in left
                   if len(x) > 2 and x not in self.common for y in right if len(y) > 2)

    @staticmethod
    def _number_typos(left: frozenset[str], right: frozenset[str]) -> tuple[int, int, int]:
        """House numbers, units and postcodes (two digits or more) of the shorter side matched
        one to one with the other's: (exact twins, twins one edit away — a typo or two
        swapped digits —, numbers on the shorter side)."""
        shorter, longer = sorted((left, right), key=len)
        exact = shorter & longer
        free = sorted(longer - exact)  # in order, each twin taken out once it is matched
        typos = 0
        for x in sorted(shorter - exact):
            for position, y in enumerate(free):
                if OSA.distance(x, y, score_cutoff=1) <= 1:
                    del free[position]
                    typos += 1
                    break
        return len(exact), typos, len(shorter)

    @classmethod
    def _numbers_agree(cls, left: frozenset[str], right: frozenset[str], share: float = 1.0,
                       typos_allowed: int = 1) -> bool:
        """The numbers describe one place: at most ``typos_allowed`` of them carry a typo, and
        at least ``share`` of the shorter side's have a twin (all of them when none is exactly
        alike). No such numbers on one side: nothing to disagree on."""
        if not left or not right or left == right:
            return True
        # What the exact twins alone settle, before any edit distance: too few twins even if
        # every allowed typo were found.
        size, exact = min(len(left), len(right)), len(left & right)
        if exact + min(typos_allowed, size - exact) < (share * size if exact else size):
            return False
        exact, typos, size = cls._number_typos(left, right)
        if typos > typos_allowed:
            return False
        if not exact:
            return typos == size
        return exact + typos >= share * size

    def same(self, left: int, right: int) -> bool:
        return self.reason(left, right) is not None

    def reason(self, left: int, right: int) -> str | None:
        """Which of the rule's cases makes two profiles one identity (None: none does)."""
        a, b = self.records[left], self.records[right]
        name = fuzz.token_set_ratio(a["name"], b["name"]) / 100
        # (Below NAME_ALIKE no case reads the name's score: the initials are not asked.)
        if name >= NAME_ALIKE and self._initials_disagree(a["name_tokens"], b["name_tokens"]):
            name = 0.0  # "F. Fremont" and "Jerome Fremont": two people of one family name
        busy = bool({a["address_words"], b["address_words"]} & self.busy_streets)
        # Whether the names share an uncommon word matters on a busy street and to the cases
        # of a rare name (names at least RARE_NAME_ALIKE alike); elsewhere it is not asked.
        uncommon = (busy or name >= RARE_NAME_ALIKE) and self._shares_uncommon_word(
            a["name_tokens"], b["name_tokens"])
        # A number on each side that the other lacks (room 2904 and room 2916 of one tower) is
        # another place when a common name bills on a busy street: a business district holds
        # many Zhang Weis. Otherwise half the numbers suffice (an export that garbled the
        # house number or the postcode).
        strict = busy and not uncommon
        # There every number tells places apart, a one-digit house number too; elsewhere one
        # digit (a flat, a floor) is too easily garbled or dropped to count.
        numbers = "every_number" if strict else "numbers"
        # …and a number one edit away is another room of the same tower, not a typo.
        typos = 0 if strict else 1
        if not self._numbers_agree(a[numbers], b[numbers], 1.0 if strict else 0.5, typos):
            # Other house numbers on one street: two places, unless an uncommon name is
            # the same on both (then the numbers carry typos).
            if name < RARE_NAME_ALIKE or not uncommon:
                return None  # nearly every pair the model scores ends here: nothing more to ask
            words = fuzz.token_set_ratio(a["address_words"], b["address_words"])
            # Garbled, not replaced: when both sides give several numbers, one of them
            # survives (house, unit and postcode all other is another place, even under one
            # uncommon name).
            exact, typos, size = self._number_typos(a[numbers], b[numbers])
            return "rare name, numbers garbled" if (
                words / 100 >= ADDRESS_ALIKE and (size < 2 or exact + typos)) else None
        # token_sort, not token_set: a word on one side only (another street) counts against.
        address = fuzz.token_sort_ratio(a["address"], b["address"]) / 100
        if name >= NAME_ALIKE and address >= ADDRESS_NEAR:
            return "one name, one address"
        # One uncommon name in one postcode (a number both sides carry), the street written
        # another way or left out: no namesake is that likely.
        if name >= RARE_NAME_ALIKE and a[numbers] & b[numbers] and uncommon:
            return "rare name, one postcode"
        # Another name at the very same place (every number agrees): the same person with a
        # garbled name if the names share a word, or if the place is nobody else's; a place
        # billed under several names is a shared office, and a third name there is a tenant.
        # A typo in the numbers on top of an unrelated name is two differences: two people.
        shared = self._shares_word(a["name_tokens"], b["name_tokens"])
        if not self._numbers_agree(a[numbers], b[numbers], 1.0, typos if shared else 0):
            return None
        if address >= ADDRESS_NEAR and shared:
            return "name garbled, one address"
        if address < SAME_ADDRESS:
            return None
        if shared:
            return "name garbled, the very same address"
        return "private address" if max(
            self.occupancy[a["address"]], self.occupancy[b["address"]]) <= PRIVATE_PLACE else None


def same_identity(pairs: pd.DataFrame, profiles: pd.DataFrame) -> pd.Series:
    """Which scored pairs of profiles pass the identity rule."""
    if pairs.empty:
        return pd.Series(dtype=bool)
    rule = IdentityRule(profiles)
    return pd.Series([rule.same(a, b) for a, b in zip(pairs["unique_id_l"], pairs["unique_id_r"],
                                                       strict=True)], index=pairs.index)


def predict_matches(profiles: pd.DataFrame, min_probability: float,
                    previous: BillingState | None = None,
                    retrain_growth: float = RETRAIN_GROWTH
                    ) -> tuple[pd.DataFrame, BillingState | None]:
    """Scored pairs of distinct profiles (``left`` < ``right`` unique ids) and the state the
    next run scores by difference from (None when there were too few profiles to train on).
    With a usable ``previous`` state its model is kept and only pairs with a changed profile
    are scored (``billing_increment``); the result is the same as scoring every pair with it."""
    if len(profiles) < MIN_PROFILES:
        return pd.DataFrame(columns=MATCH_COLUMNS), None
    data = comparison_frame(profiles)
    version = matcher_version(min_probability)
    current = signatures(profiles, data)
    previous = reusable(previous, current, version, retrain_growth)
    changed = (changed_profiles(current, previous) if previous is not None
               else pd.Series(True, index=data.index))
    model, totals = (previous.model, previous.tf_totals) if previous else (None, tf_totals(data))
    data = data.assign(changed=changed.to_numpy())
    # Term frequencies are counted on every profile, before a run by difference leaves out the
    # rows no pair with a changed side can come from.
    lookups = {column: tf_lookup(data, column, total) for column, total in totals.items()}
    if previous is not None:
        data = data[near_changed(data, changed)]
    raw, model = _splink_scores(data, model, lookups, min_probability,
                                narrowed=previous is not None)
    ids = pd.Series(profiles["unique_id"].to_numpy(), index=current["key"].to_numpy())
    reused = unchanged_pairs(previous, ids, changed) if previous is not None else raw[:0]
    raw = pd.concat([raw, reused], ignore_index=True)
    raw = raw.sort_values(["unique_id_l", "unique_id_r"], kind="stable").reset_index(drop=True)
    key = pd.Series(ids.index.to_numpy(), index=ids.to_numpy())
    state = BillingState(
        model=model, model_json=json.dumps(_stable(model), sort_keys=True, default=str),
        trained_on=previous.trained_on if previous else len(profiles), tf_totals=totals,
        version=version, signatures=current, changed=int(changed.sum()),
        reused_pairs=len(reused),
        scored=raw.assign(unique_id_l=raw["unique_id_l"].map(key),
                          unique_id_r=raw["unique_id_r"].map(key)).rename(
            columns={"unique_id_l": "key_l", "unique_id_r": "key_r"}))
    frame = raw[same_identity(raw, profiles)].copy()
    # Each comparison's level, e.g. "name=3,address=4,...": why the model scored the pair so.
    gamma = [c for c in frame.columns if c.startswith("gamma_")]
    levels = [c.removeprefix("gamma_") + "=" + frame[c].astype(str) for c in gamma]
    frame["gammas"] = levels[0].str.cat(levels[1:], sep=",") if levels and len(frame) else ""
    frame = frame.rename(columns={"unique_id_l": "left", "unique_id_r": "right"})
    return frame[MATCH_COLUMNS].reset_index(drop=True), state


def _splink_scores(data: pd.DataFrame, model: dict | None, lookups: dict[str, pd.DataFrame],
                   min_probability: float, narrowed: bool) -> tuple[pd.DataFrame, dict]:
    """Splink's pairs at or above ``min_probability`` (ids, probability, weight, each
    comparison's level as a small integer ``gamma_…``), scored by ``model`` (trained here when
    None) with the term-frequency ``lookups``; ``narrowed``: only pairs with a changed side."""
    from splink import DuckDBAPI, Linker

    # Splink's own DuckDB would take up to 80 % of the machine and never spill: at the seed
    # preset (a million accounts) its blocked pairs alone outgrew 22 GB. A bounded connection
    # that spills to disk keeps the step inside ATTRIB_DUCKDB_MEMORY.
    with warnings.catch_warnings(), tempfile.TemporaryDirectory(prefix="splink-") as spill, \
            connect(Path(spill)) as connection:
        warnings.simplefilter("ignore")
        db_api = DuckDBAPI(connection)
        table = db_api.register(data)
        if model is None:
            trainer = Linker(table, _settings(), log_level=logging.ERROR)
            try:
                _train(trainer)
            except Exception as exc:
                logging.getLogger(__name__).warning(f"billing model kept its priors: {exc}")
            model = trainer.misc.save_model_to_json(out_path=None)
        trained = Linker(table, model, log_level=logging.ERROR)._settings_obj
        bound = weight_bound_filter(trained, min_probability)
        rules = with_weight_bound(changed_only(model) if narrowed else model, bound)
        levels = levels_by_weight(trained)
        if levels is not None:
            rules = {**rules, "retain_matching_columns": False}
        linker = Linker(table, rules, log_level=logging.ERROR)
        for column, lookup in lookups.items():
            linker.table_management.register_term_frequency_lookup(
                db_api.register(lookup), column)
        scored = linker.inference.predict(threshold_match_probability=min_probability)
        relation = scored.as_duckdbpyrelation()
        ids = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]
        if levels is None:
            # Only the ids, the probability and the levels: the compared columns of both
            # sides (lists of words and blocking keys) would multiply the frame's size.
            return relation.project(", ".join(
                [*ids, *[f"CAST({c} AS TINYINT) AS {c}" for c in relation.columns
                         if c.startswith("gamma_")]])).df(), model
        frame = relation.project(", ".join([*ids, *level_columns(levels)])).df()
    unknown = [c for c in frame if c.startswith("gamma_") and (frame[c] == NO_LEVEL).any()]
    if unknown:
        raise ValueError(f"a scored pair's weight for {unknown} is none of its levels' weights")
    return frame, model


def levels_by_weight(settings) -> dict[str, dict[float, int]] | None:
    """Per comparison, each level's match weight and its level (``gamma``), where the trained
    weights tell every level apart; None where two levels of one comparison weigh the same.
    Splink writes a pair's levels only beside both sides' compared columns (lists of words
    and numbers), and at a million accounts writing those for twenty million scored pairs
    took a third of the prediction; the weight it writes for each comparison names the
    level as well. A level without a trained weight never reaches a scored pair: its weight
    is null, and so is the pair's sum."""
    levels: dict[str, dict[float, int]] = {}
    for comparison in settings.comparisons:
        weights = {level._match_weight: level.comparison_vector_value
                   for level in comparison.comparison_levels if level._match_weight is not None}
        trained = sum(level._match_weight is not None for level in comparison.comparison_levels)
        if len(weights) < trained:
            return None
        levels[comparison.output_column_name] = weights
    return levels


NO_LEVEL = -128  # the level of a weight no level of its comparison has (never, or an error)


def level_columns(levels: dict[str, dict[float, int]]) -> list[str]:
    """SQL reading each comparison's weight column (``mw_…``) back as its level
    (``gamma_…``, a small integer). Each weight is written as Splink writes it into its own
    SQL (``cast(<weight> as float8)``), so the two floats are the same to the last bit."""
    columns = []
    for name, weights in levels.items():
        cases = " ".join(f"WHEN mw_{name} = cast({weight} as float8) THEN {level}"
                         for weight, level in weights.items())
        columns.append(f"CAST(CASE {cases} ELSE {NO_LEVEL} END AS TINYINT) AS gamma_{name}")
    return columns


def _stable(model: object) -> object:
    """The saved model without what changes between two trainings on the same profiles: the
    linker's random id, and the last digits of probabilities that DuckDB's parallel sums leave
    in a different order each time. Same profiles, same JSON, same digest."""
    if isinstance(model, dict):
        return {k: _stable(v) for k, v in model.items() if k != "linker_uid"}
    if isinstance(model, list):
        return [_stable(v) for v in model]
    if isinstance(model, float):
        return float(f"{model:.12g}")
    return model


def billing_matches(payments: pd.DataFrame, rule: dict, previous: BillingState | None = None
                    ) -> tuple[pd.DataFrame, BillingState | None]:
    """Pairs of distinct billing profiles the model matches, with their accounts; and the
    state (the trained model among it) the next run scores by difference from."""
    profiles = billing_profiles(payments)
    matches, state = predict_matches(profiles, float(rule["min_probability"]), previous,
                                     float(rule.get("retrain_growth", RETRAIN_GROWTH)))
    if matches.empty:
        return matches.assign(accounts_l=[], accounts_r=[], profile_l=[], profile_r=[]), state
    lookup = profiles.set_index("unique_id")
    return matches.assign(
        accounts_l=matches["left"].map(lookup["accounts"]),
        accounts_r=matches["right"].map(lookup["accounts"]),
        profile_l=matches["left"].map(lookup["profile"]),
        profile_r=matches["right"].map(lookup["profile"])), state


def _representatives(accounts: list[str]) -> list[str]:
    return accounts if len(accounts) <= MAX_ACCOUNTS_PER_SIDE else accounts[:1]


def fuzzy_billing_evidence(matches: pd.DataFrame, payments: pd.DataFrame, rule: dict
                           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(candidate pairs, evidence rows) between the accounts of matching billing profiles."""
    if matches.empty:
        empty = pd.DataFrame(columns=EVIDENCE_COLUMNS)
        return empty[["a", "b"]], empty
    low = float(rule["min_probability"])
    share = (matches["match_probability"].astype(float) - low) / max(1 - low, 1e-9)
    frame = pd.DataFrame({
        "left": matches["accounts_l"].map(_representatives),
        "right": matches["accounts_r"].map(_representatives),
        "value": matches["profile_l"] + " ≈ " + matches["profile_r"],
        "accounts": matches["accounts_l"].map(len) + matches["accounts_r"].map(len),
        "weight": (rule["weight_at_min"]
                   + (rule["weight_at_one"] - rule["weight_at_min"]) * share).round(4),
    }).explode("left").explode("right")
    frame = frame[frame["left"] != frame["right"]]
    first = frame["left"] < frame["right"]
    evidence = pd.DataFrame({
        "a": frame["left"].where(first, frame["right"]),
        "b": frame["right"].where(first, frame["left"]),
        "kind": FUZZY_BILLING_KIND, "value": frame["value"], "accounts": frame["accounts"],
        "weight": frame["weight"].astype(float), "coherence": 0.0,
    })[EVIDENCE_COLUMNS]
    evidence = evidence.sort_values("weight", ascending=False, kind="stable").drop_duplicates(
        ["a", "b"])
    return evidence[["a", "b"]].reset_index(drop=True), evidence.reset_index(drop=True)


def model_digest(model_json: str) -> str:
    """A short name for a trained model, recorded with the resolution it scored."""
    return hashlib.sha256(model_json.encode()).hexdigest()[:16] if model_json else "none"
