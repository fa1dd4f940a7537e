"""Organisation resolution: names from accounts, billing profiles and domain registrations
matched to registry organisations (legal names and aliases in any script), with blocking and
rapidfuzz scoring; the score and method stay on every match."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
from rapidfuzz import fuzz, process

from pipelines.resolve.judgements import Verdict, account_org_judgements

MATCH_COLUMNS = ["name_key", "org_id", "score", "method"]
FUZZY_CUTOFF = 90.0
MAX_BLOCK = 200  # a token shared by more registry names than this is too common to block on


AFFIX = 3  # letters of a long word's start and end that block it: a typo spares one of them


def _block_tokens(key: str) -> set[str]:
    """Words, character bigrams of words without spaces (CJK names have no spaces), and the
    start and end of long words, so a one-word name with a typo ('HENGRRUI' for 'HENGRUI')
    still meets its registry name."""
    tokens = set()
    for word in key.split():
        tokens.add(word)
        if not word.isascii() and len(word) > 2:
            tokens.update(word[i:i + 2] for i in range(len(word) - 1))
        if len(word) > 2 * AFFIX:
            tokens.update((f"{word[:AFFIX]}…", f"…{word[-AFFIX:]}"))
    return tokens


class OrganisationMatcher:
    """Exact key lookup first, then fuzzy token-sort matching within blocks of shared tokens."""

    def __init__(self, names: pd.DataFrame) -> None:
        self.exact = names.groupby("name_key")["org_id"].agg(lambda s: sorted(set(s)))
        self.keys = list(self.exact.index)
        index: dict[str, list[int]] = defaultdict(list)
        for position, key in enumerate(self.keys):
            for token in _block_tokens(key):
                index[token].append(position)
        self.blocks = {t: p for t, p in index.items() if len(p) <= MAX_BLOCK}

    def match(self, key: str) -> tuple[str, float, str] | None:
        """The one organisation ``key`` names, or None (no match, or several alike)."""
        found = self.candidates(key)
        if found is None or len(found[0]) != 1:
            return None
        return found[0][0], found[1], found[2]

    def candidates(self, key: str) -> tuple[list[str], float, str] | None:
        """Every organisation under the registry name that ``key`` matches best (several when
        sibling companies share a name), with the score and method."""
        found = self.exact.get(key)
        if found is not None:
            return found, 100.0, "exact_key"
        candidates = sorted({p for t in _block_tokens(key) for p in self.blocks.get(t, ())})
        if not candidates:
            return None
        choices = [self.keys[p] for p in candidates]
        scored = process.extract(key, choices, scorer=fuzz.token_sort_ratio,
                                 score_cutoff=FUZZY_CUTOFF, limit=None)
        if not scored:
            return None
        # Every registry name as close as the closest: "ninging" is one letter from
        # "ningjing" and from "ningding", and naming the first in the registry's order would
        # attribute the account to whichever company happens to sort first.
        best = scored[0][1]
        tied = sorted({org for name, score, _ in scored if score == best
                       for org in self.exact[name]})
        return tied, round(float(best), 1), "fuzzy_token_sort"


def match_names(keys: pd.Series, names: pd.DataFrame) -> pd.DataFrame:
    """Registry organisation for each distinct name key that matches one unambiguously."""
    matcher = OrganisationMatcher(names)
    rows = []
    for key in sorted(set(keys.dropna())):
        hit = matcher.match(key)
        if hit:
            rows.append((key, *hit))
    return pd.DataFrame(rows, columns=MATCH_COLUMNS)


def apply_org_judgements(links: pd.DataFrame, judgements: pd.DataFrame,
                         subject: str = "account_id") -> pd.DataFrame:
    """Analysts' account↔org verdicts override the matcher: "different" removes a link,
    "same" adds one with method ``analyst``."""
    for account, org, verdict in account_org_judgements(judgements):
        match = (links[subject] == account) & (links["org_id"] == org)
        links = links[~match]
        if verdict is Verdict.SAME:
            links = pd.concat([links, pd.DataFrame(
                [{subject: account, "org_id": org, "score": 100.0, "method": "analyst"}])])
    return links.reset_index(drop=True)
