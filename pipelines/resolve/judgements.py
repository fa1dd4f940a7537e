"""Analysts' judgements: "these two records are / are not the same entity". Each is kept as
data (never a destructive merge): the latest verdict on a canonically ordered pair wins, and
clustering, organisation matching and explanations all read them through this one parser."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pandas as pd


class Verdict(StrEnum):
    SAME = "same"
    DIFFERENT = "different"


@dataclass(frozen=True, order=True)
class Ref:
    """A judged record: ``account:<id>`` or ``org:<org_id>``."""

    kind: str
    id: str

    @classmethod
    def parse(cls, text: str) -> Ref | None:
        kind, sep, ident = str(text).partition(":")
        return cls(kind, ident) if sep and kind in ("account", "org") and ident else None

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Judgement:
    left: Ref
    right: Ref
    verdict: Verdict


def latest_judgements(judgements: pd.DataFrame) -> list[Judgement]:
    """The latest verdict per pair of records, each pair ordered canonically (account before
    org, then by id), so "A vs B" and "B vs A" are one question."""
    if judgements.empty:
        return []
    latest: dict[tuple[Ref, Ref], tuple[str, Verdict]] = {}
    for left_ref, right_ref, verdict, decided in zip(
            judgements["left_ref"], judgements["right_ref"], judgements["verdict"],
            judgements["decided_at"].astype(str), strict=True):
        left, right = Ref.parse(left_ref), Ref.parse(right_ref)
        if left is None or right is None or verdict not in set(Verdict):
            continue
        key = (min(left, right), max(left, right))
        if key not in latest or decided >= latest[key][0]:
            latest[key] = (decided, Verdict(verdict))
    return [Judgement(a, b, v) for (a, b), (_, v) in sorted(latest.items())]


@dataclass(frozen=True)
class AccountJudgements:
    same: list[tuple[str, str]]
    different: list[tuple[str, str]]


def account_judgements(judgements: pd.DataFrame) -> AccountJudgements:
    """Account-to-account verdicts as (a, b) id pairs, a < b."""
    pairs = [j for j in latest_judgements(judgements)
             if j.left.kind == "account" and j.right.kind == "account"]
    return AccountJudgements(
        same=[(j.left.id, j.right.id) for j in pairs if j.verdict is Verdict.SAME],
        different=[(j.left.id, j.right.id) for j in pairs if j.verdict is Verdict.DIFFERENT])


def account_org_judgements(judgements: pd.DataFrame) -> list[tuple[str, str, Verdict]]:
    """(account id, org id, verdict) for every account-to-organisation judgement."""
    return [(j.left.id, j.right.id, j.verdict) for j in latest_judgements(judgements)
            if j.left.kind == "account" and j.right.kind == "org"]
