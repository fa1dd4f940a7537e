"""How a campaign's accounts share identifiers: random partitions into pieces (a card, a phone,
a mailbox, proxy exits shared by a few accounts), which accounts carry an operator-level tie
(the registrant's custom domains, a front's mailboxes, a declared front), and the guarantee that
every account is linked to its campaign by at least one of them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pipelines.generate.zoo import phones as F
from pipelines.generate.zoo.tactics import CampaignPlan


def groups(rng: np.random.Generator, n: int, lo: int, hi: int) -> tuple[np.ndarray, int]:
    """A random partition of ``n`` accounts into groups of ``lo``..``hi`` (no group of one)."""
    gid = np.full(n, -1)
    idx = rng.permutation(n)
    g, pos = 0, 0
    while pos < n:
        size = int(rng.integers(lo, hi + 1))
        if n - pos - size == 1:
            size += 1
        gid[idx[pos:pos + size]] = g
        pos, g = pos + size, g + 1
    return gid, g


def _mail_pieces(rng: np.random.Generator, plan: CampaignPlan, n: int, ctx: dict,
                 new_domains: Callable[[int], list[str]],
                 new_mailbox: Callable[[], tuple[str, str, bool]]) -> None:
    """Custom domains of the registrant, front mailboxes, shared public mailboxes; and
    which accounts declare their front."""
    small = plan.has("small_pieces")
    ctx["domain_of"], ctx["domains"] = np.full(n, -1), []
    if plan.has("shared_registrant"):
        custom = rng.random(n) < rng.uniform(0.5, 0.95)
        gid, k = groups(rng, int(custom.sum()), 2, 3 if small else 20)
        ctx["domain_of"][custom] = gid
        ctx["domains"] = new_domains(k)
    ctx["front_mail"] = (rng.random(n) < rng.uniform(0.2, 0.6)) & (ctx["domain_of"] < 0) \
        if plan.has("front_domain_email") else np.zeros(n, bool)
    ctx["declares"] = (rng.random(n) < 0.6) if plan.has("declared_org") else np.zeros(n, bool)
    ctx["mailbox_of"], ctx["mailboxes"] = np.full(n, -1), []
    public = np.flatnonzero((ctx["domain_of"] < 0) & ~ctx["front_mail"])
    gid, k = groups(rng, len(public), 2, 3 if small else 4)
    ctx["mailbox_of"][public] = gid
    ctx["mailboxes"] = [new_mailbox() for _ in range(k)]

def _instrument_pieces(rng: np.random.Generator, plan: CampaignPlan, n: int, egress: str,
                       ctx: dict, new_card: Callable[[], tuple]) -> None:
    """Shared phones, cards and proxy exits (-1: the account shares none)."""
    small = plan.has("small_pieces")
    none = np.full(n, -1)
    if plan.has("shared_phones") or small:
        ctx["phone_of"], k = groups(rng, n, 2, 3 if small else 4)
        ctx["phones"] = [F.number(rng, plan.home, plan.has("voip_phones")) for _ in range(k)]
    else:
        ctx["phone_of"], ctx["phones"] = none.copy(), []
    if plan.has("distinct_cards"):
        ctx["card_of"], ctx["cards"] = none.copy(), []
    elif plan.has("shared_cards") or small:
        ctx["card_of"], k = groups(rng, n, 2, 3 if small else 5)
        ctx["cards"] = [new_card() for _ in range(k)]
    else:
        ctx["card_of"], ctx["cards"] = none.copy(), []
    ctx["exits_of"] = groups(rng, n, 2, 3)[0] if small and egress != "own_hosting" else none

def _ensure_a_link(rng: np.random.Generator, plan: CampaignPlan, ctx: dict) -> None:
    """Every account shares at least one strong identifier with its campaign or carries an
    operator-level tie; otherwise no one could tell it from a stranger and recall would
    measure luck. An account with neither gets the first tie its plan has."""
    shared = np.zeros(len(ctx["front_of"]), bool)
    kinds = ["card_of", "phone_of", "exits_of"]
    if plan.has("public_mailboxes"):
        kinds.append("mailbox_of")
    for kind in kinds:
        gid = ctx[kind]
        sizes = np.bincount(gid[gid >= 0], minlength=1)
        shared |= (gid >= 0) & (sizes[np.maximum(gid, 0)] >= 2)
    tied = (ctx["domain_of"] >= 0) | ctx["front_mail"] | ctx["declares"] | (
        plan.has("billing_org") or plan.has("billing_persons"))
    for i in np.flatnonzero(~shared & ~tied).tolist():
        if plan.has("declared_org"):
            ctx["declares"][i] = True
        elif plan.has("front_domain_email"):
            ctx["front_mail"][i] = True
        else:  # shared_registrant: one more mailbox at one of the campaign's domains
            ctx["domain_of"][i] = int(rng.integers(0, len(ctx["domains"])))


def draw_pieces(rng: np.random.Generator, plan: CampaignPlan, n: int, n_fronts: int,
                egress: str, new_domains: Callable[[int], list[str]],
                new_card: Callable[[], tuple],
                new_mailbox: Callable[[], tuple[str, str, bool]]) -> dict:
    """Per kind of identifier, each account's group (-1: none) and the groups' values."""
    ctx: dict = {"front_of": rng.integers(0, n_fronts, n)}
    _mail_pieces(rng, plan, n, ctx, new_domains, new_mailbox)
    _instrument_pieces(rng, plan, n, egress, ctx, new_card)
    _ensure_a_link(rng, plan, ctx)
    return ctx
