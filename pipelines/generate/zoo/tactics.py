"""The tactic catalogue: what an operator can do to hide a campaign, as data.

Each campaign of a zoo world draws a :class:`CampaignPlan`: a size from 30 to 5,000 accounts
(log-uniform, so small and large campaigns are both common), a difficulty, and tactics drawn at
random from the catalogue with probabilities that depend on the difficulty. A hard campaign keeps
every card, mailbox and exit to two or three accounts, spreads its sign-ups, runs low and slow
through a reseller's exits and is tied together by one piece of operator-level evidence only.

Every plan keeps at least one operator-level tie (shared registrant, billing organisation,
billing persons, declared organisation or emails at a front's domain) and at least one route from
its accounts to a registered organisation of its tree: without them nobody, investigator or
resolver, could tell the campaign apart, and the evaluation would measure luck.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipelines.generate.fmt import pick


@dataclass(frozen=True)
class Tactic:
    name: str
    family: str
    what: str


CATALOGUE: tuple[Tactic, ...] = (
    # Operator-level ties: what holds a campaign in pieces together.
    Tactic("shared_registrant", "tie", "many custom email domains, one registrant email (and "
           "sometimes a registrant organisation) behind all of them"),
    Tactic("registrant_org_blank", "tie", "the registrant organisation is left blank: only the "
           "registrant email's domain (a front's website) leads to an organisation"),
    Tactic("billing_org", "tie", "cards billed to a front organisation's name and office, "
           "spelled many ways"),
    Tactic("billing_persons", "tie", "cards billed to a handful of operator staff, names and "
           "addresses spelled many ways"),
    Tactic("declared_org", "tie", "accounts declare a front organisation at sign-up, in "
           "several scripts and spellings"),
    Tactic("front_domain_email", "tie", "some accounts sign up with a mailbox at a front's own "
           "website domain"),
    # Piece-level structure.
    Tactic("shared_cards", "pieces", "a card fingerprint shared by 2-5 accounts"),
    Tactic("distinct_cards", "pieces", "one distinct card per account"),
    Tactic("small_pieces", "pieces", "cards, mailboxes, phones and proxy exits kept to 2-3 "
           "accounts each"),
    Tactic("public_mailboxes", "pieces", "mailboxes at public providers, one mailbox reused by "
           "2-3 accounts with dots, +tags and case"),
    Tactic("shared_phones", "pieces", "a rented number shared by 2-4 accounts"),
    # Infrastructure.
    Tactic("reseller_egress", "infrastructure", "traffic through a proxy reseller whose exits "
           "also carry the reseller's legitimate customers"),
    Tactic("cloud_egress", "infrastructure", "traffic through big-cloud NAT gateways shared by "
           "unrelated developers"),
    Tactic("own_hosting", "infrastructure", "traffic from the operator's own rented hosting"),
    Tactic("ipv6_forms", "evasion", "IPv6 exits (and IPv4-mapped IPv6) written in several forms"),
    # Behaviour.
    Tactic("identical_schedule", "behaviour", "every account fires on the same minutes"),
    Tactic("low_and_slow", "behaviour", "a few requests a day per account at jittered times"),
    Tactic("creation_bursts", "behaviour", "accounts created in batches of 20-60 within minutes"),
    Tactic("release_bursts", "behaviour", "volume jumps for three days after model releases"),
    Tactic("disguised_mix", "behaviour", "prompt mix close to a coding start-up's instead of "
           "chain-of-thought elicitation"),
    Tactic("custom_user_agent", "weak", "a home-made client's user agent"),
    Tactic("prepaid_virtual_cards", "weak", "prepaid and virtual cards from a few BINs"),
    Tactic("voip_phones", "weak", "phone numbers from VOIP / virtual-operator ranges"),
    Tactic("unsupported_region", "weak", "sign-ups declaring regions where the service is not "
           "offered"),
    # Evasions and noise.
    Tactic("fuzzy_billing", "evasion", "typos, swapped and missing tokens, accents or none, "
           "postcode spacing, local abbreviations in billing names and addresses"),
    Tactic("confusable_emails", "evasion", "look-alike letters from other scripts in email "
           "local parts"),
    Tactic("confusable_names", "evasion", "look-alike letters in display, billing and declared "
           "names"),
    Tactic("fullwidth_digits", "evasion", "fullwidth digits in phones, addresses and mailboxes"),
    Tactic("phone_noise", "evasion", "one number written with spaces, dashes, dots, brackets, "
           "00 or national prefixes"),
    # Corporate structure.
    Tactic("sibling_subsidiaries", "ownership", "several front companies, siblings under one "
           "parent several ownership levels up"),
)
TACTICS = {t.name: t for t in CATALOGUE}
TIES = ("shared_registrant", "billing_org", "billing_persons", "declared_org",
        "front_domain_email")
ROUTES = ("shared_registrant", "billing_org", "declared_org", "front_domain_email")  # lead to
# a registered organisation; billing persons tie accounts together but name nobody
# Probability of each optional tactic by difficulty (easy, medium, hard).
P_TACTIC: dict[str, tuple[float, float, float]] = {
    "registrant_org_blank": (0.2, 0.4, 0.6),
    "shared_cards": (0.8, 0.4, 0.0),
    "distinct_cards": (0.1, 0.4, 0.8),
    "small_pieces": (0.2, 0.5, 0.9),
    "public_mailboxes": (0.3, 0.5, 0.6),
    "shared_phones": (0.6, 0.4, 0.1),
    "ipv6_forms": (0.2, 0.4, 0.6),
    "creation_bursts": (0.9, 0.6, 0.2),
    "release_bursts": (0.7, 0.5, 0.3),
    "disguised_mix": (0.05, 0.25, 0.5),
    "custom_user_agent": (0.8, 0.5, 0.2),
    "prepaid_virtual_cards": (0.9, 0.6, 0.4),
    "voip_phones": (0.7, 0.5, 0.3),
    "unsupported_region": (0.8, 0.5, 0.3),
    "fuzzy_billing": (0.5, 0.8, 1.0),
    "confusable_emails": (0.1, 0.3, 0.6),
    "confusable_names": (0.1, 0.3, 0.5),
    "fullwidth_digits": (0.1, 0.3, 0.5),
    "phone_noise": (0.6, 0.8, 0.9),
    "sibling_subsidiaries": (0.2, 0.5, 0.7),
}
N_TIES = {"easy": (3, 4), "medium": (2, 3), "hard": (1, 1)}
EGRESS = ("reseller_egress", "cloud_egress", "own_hosting")
P_EGRESS = {"easy": (0.3, 0.2, 0.5), "medium": (0.5, 0.25, 0.25), "hard": (0.75, 0.25, 0.0)}
P_SCHEDULE = {"easy": 0.9, "medium": 0.5, "hard": 0.15}  # identical_schedule, else low_and_slow
HOME = {"CN": 0.45, "RU": 0.2, "CZ": 0.1, "PL": 0.1, "DE": 0.05, "FR": 0.1}
FRONT_COUNTRIES = ("SG", "HK", "AE", "US", "GB", "CZ", "PL", "DE", "FR", "CN", "RU")


@dataclass(frozen=True)
class CampaignPlan:
    index: int
    key: str
    n_accounts: int
    difficulty: str
    tactics: frozenset[str]
    home: str  # country of the ultimate parent
    depth: int  # ownership levels from a front up to the parent
    n_fronts: int
    front_countries: tuple[str, ...]
    start_day: int  # days after the usage window opens
    extra: dict = field(default_factory=dict, compare=False)

    def has(self, tactic: str) -> bool:
        return tactic in self.tactics


def campaign_size(rng: np.random.Generator, lo: int = 30, hi: int = 5_000) -> int:
    """Log-uniform between ``lo`` and ``hi``: a 40-account campaign is as likely as a 4,000."""
    return round(float(np.exp(rng.uniform(np.log(lo), np.log(hi)))))


def draw_plan(rng: np.random.Generator, index: int, n_accounts: int, difficulty: str,
              window_days: int) -> CampaignPlan:
    level = ("easy", "medium", "hard").index(difficulty)
    lo, hi = N_TIES[difficulty]
    ties = set(rng.choice(TIES, int(rng.integers(lo, hi + 1)), replace=False).tolist())
    if not ties & set(ROUTES):
        ties = {pick(rng, ROUTES)}
    chosen = set(ties)
    for name, p in P_TACTIC.items():
        if rng.random() < p[level]:
            chosen.add(name)
    if "shared_registrant" not in chosen:
        chosen.discard("registrant_org_blank")
    if "distinct_cards" in chosen:
        chosen.discard("shared_cards")
    if "small_pieces" in chosen:  # pieces of 2-3 replace the larger card groups
        chosen.discard("shared_cards")
    chosen.add(pick(rng, EGRESS, p=P_EGRESS[difficulty]))
    chosen.add("identical_schedule" if rng.random() < P_SCHEDULE[difficulty] else "low_and_slow")
    home = pick(rng, list(HOME), p=list(HOME.values()))
    siblings = "sibling_subsidiaries" in chosen
    depth = int(rng.integers(2, 5)) if siblings else int(rng.integers(1, 3))
    n_fronts = int(rng.integers(2, 5)) if siblings else 1
    fronts = tuple(home if k == 0 and rng.random() < 0.4 else pick(rng, FRONT_COUNTRIES)
                   for k in range(n_fronts))
    start = int(rng.integers(0, max(1, window_days // 3)))
    return CampaignPlan(index, f"z{index + 1}", n_accounts, difficulty, frozenset(chosen), home,
                        depth, n_fronts, fronts, start)


def draw_difficulties(rng: np.random.Generator, n: int) -> list[str]:
    """At least one hard campaign per world; the rest drawn 30/40/30."""
    out = [pick(rng, ("easy", "medium", "hard"), p=(0.3, 0.4, 0.3)) for _ in range(n)]
    if "hard" not in out:
        out[int(rng.integers(0, n))] = "hard"
    return out
