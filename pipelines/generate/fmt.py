"""Small vectorised formatters shared by the generator modules."""

from __future__ import annotations

import ipaddress

import numpy as np


def iso(seconds) -> list[str]:
    """Epoch seconds (scalar or array) to ISO 8601 strings with a Z suffix."""
    arr = np.asarray(seconds, dtype="int64").astype("datetime64[s]")
    return np.datetime_as_string(np.atleast_1d(arr), unit="s", timezone="UTC").tolist()


def iso1(seconds: int) -> str:
    return iso([seconds])[0]


def ipv4(ints: np.ndarray) -> list[str]:
    ints = np.asarray(ints, dtype="uint32")
    parts = [((ints >> s) & 255).tolist() for s in (24, 16, 8, 0)]
    return [f"{a}.{b}.{c}.{d}" for a, b, c, d in zip(*parts, strict=True)]


def net_base(cidr: str) -> int:
    return int(ipaddress.ip_network(cidr).network_address)


def hexes(rng: np.random.Generator, n: int, nbytes: int) -> list[str]:
    raw = rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)
    return [row.tobytes().hex() for row in raw]


def pick(rng: np.random.Generator, seq, n: int | None = None, p=None):
    """Random element(s) of a Python sequence, deterministic for the generator state."""
    idx = rng.choice(len(seq), size=n, p=p)
    if n is None:
        return seq[int(idx)]
    return [seq[i] for i in idx.tolist()]


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number][::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2)
                for i, d in enumerate(digits))
    return total % 10 == 0
