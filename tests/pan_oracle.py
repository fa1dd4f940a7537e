"""An oracle for card numbers, written independently of the detector under test: PAN-shaped
tokens (13-19 digits of any script, grouped by spaces, dots or dashes, standing on their own
rather than inside a word or a hex digest) of which a run of 13-19 digits starting at one of the
token's groups starts like a major network's card (2-6, 81, 82) and passes the Luhn check."""

from __future__ import annotations

import re

TOKEN = re.compile(r"(?<!\w)\d(?:[\s.\-]{0,3}\d){12,}(?!\w)")
GROUP = re.compile(r"\d+")


def luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(digits)):
        total += (digit * 2 - 9 if digit > 4 else digit * 2) if position % 2 else digit
    return total % 10 == 0


def luhn_tokens(text: str) -> list[str]:
    found = []
    for match in TOKEN.finditer(text):
        groups = [str(int(g)) if len(g) == 1 else "".join(str(int(c)) for c in g)
                  for g in GROUP.findall(match.group())]
        digits = "".join(groups)
        starts = [sum(len(g) for g in groups[:i]) for i in range(len(groups))]
        for start in starts:
            for length in range(13, 20):
                window = digits[start:start + length]
                if (len(window) == length and (window[0] in "23456" or window[:2] in {"81", "82"})
                        and luhn(window)):
                    found.append(window)
    return found
