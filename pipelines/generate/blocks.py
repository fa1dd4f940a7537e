"""Column-wise accumulation of accounts and payment rows before account ids are assigned."""

from __future__ import annotations

from dataclasses import dataclass, field

# Usage profiles (category mix, time of day, token sizes): see usage.PROFILES.
LEGIT, HEAVY, CAMPAIGN, DEV = 0, 1, 2, 3

ACCOUNT_FIELDS = (
    "created", "email", "display_name", "phone", "declared_country", "declared_org",
    "signup_ip", "user_agent", "tier", "status",
    # ground truth and usage parameters (not written to landing)
    "role", "campaign", "profile", "rate", "tz", "own_ip", "pool", "pool_frac", "n_keys",
    "active_from", "active_to",
)
PAY_FIELDS = (
    "acct", "processor_fingerprint", "bin", "last4", "funding_type", "card_country",
    "billing_name", "billing_address", "billing_country", "added",
)


@dataclass
class Block:
    """Accounts (and their payment rows) of one part of the world; ``acct`` is a local index."""

    acc: dict[str, list] = field(default_factory=lambda: {f: [] for f in ACCOUNT_FIELDS})
    pay: dict[str, list] = field(default_factory=lambda: {f: [] for f in PAY_FIELDS})
    domains: list[dict] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.acc["created"])

    def add(self, **values) -> int:
        """One account; unset optional text fields are empty. Returns its local index."""
        i = len(self)
        for f in ACCOUNT_FIELDS:
            self.acc[f].append(values.pop(f, _DEFAULTS.get(f, "")))
        if values:
            raise TypeError(f"unknown account fields {sorted(values)}")
        return i

    def extend(self, **columns) -> None:
        n = len(next(iter(columns.values())))
        for f in ACCOUNT_FIELDS:
            col = columns.pop(f, None)
            self.acc[f].extend(col if col is not None else [_DEFAULTS.get(f, "")] * n)
        if columns:
            raise TypeError(f"unknown account fields {sorted(columns)}")

    def add_card(self, acct: int, **values) -> None:
        values["acct"] = acct
        for f in PAY_FIELDS:
            self.pay[f].append(values.pop(f, ""))
        if values:
            raise TypeError(f"unknown payment fields {sorted(values)}")

    def merge(self, other: Block) -> None:
        off = len(self)
        for f in ACCOUNT_FIELDS:
            self.acc[f].extend(other.acc[f])
        for f in PAY_FIELDS:
            vals = other.pay[f]
            self.pay[f].extend([a + off for a in vals] if f == "acct" else vals)
        self.domains.extend(other.domains)


_DEFAULTS = {"campaign": -1, "profile": LEGIT, "rate": 1.0, "tz": 0, "pool": "",
             "pool_frac": 0.0, "n_keys": 1, "status": "active", "tier": "free"}


@dataclass
class Ctx:
    """What every block builder needs."""

    preset: object
    rng: object
    orgs: object
    net: object
    phones: object
    t0: int  # usage window start (epoch seconds)
    t1: int  # usage window end, exclusive
    history: int  # earliest legitimate sign-up
    campaign_bins: list[list[str]] = field(default_factory=list)
    seq: int = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def fingerprint(self) -> str:
        return "fp_" + bytes(self.rng.integers(0, 256, 12, dtype="uint8")).hex()

    def last4(self) -> str:
        return f"{int(self.rng.integers(0, 10_000)):04d}"
