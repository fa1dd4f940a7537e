"""Card numbers (PANs): found in free text in every form they are written in, redacted in place on
the very string they were found in, the row loaded with the redaction noted; identifiers are
never searched inside, and an identifier that is a card number as a whole is quarantined."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.contract import load_contracts
from pipelines.ingest.tables import TableIngest
from pipelines.ingest.usage import ingest_usage
from pipelines.normalise.payment import (
    REDACTION,
    find_card_numbers,
    is_card_number,
    luhn_valid,
    redact_card_numbers,
)
from tests.landing import write_landing
from tests.mini_world import mini_world
from tests.pan_oracle import luhn_tokens

CONTRACTS = load_contracts()
VISA = "4111111111111111"
ARABIC_INDIC = str.maketrans(string.digits, "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans(string.digits, "０１２３４５６７８９")
DEVANAGARI = str.maketrans(string.digits, "०१२३४५६७८९")


def card(prefix: str, length: int = 16) -> str:
    """A Luhn-valid number with ``prefix`` and ``length`` (the last digit is the check digit)."""
    body = prefix + "7" * (length - len(prefix) - 1)
    return next(body + d for d in string.digits if luhn_valid(body + d))


def grouped(number: str, separator: str = " ") -> str:
    return separator.join(number[i:i + 4] for i in range(0, len(number), 4))


# The nine forms of the issue, then the networks and scripts a narrow detector misses.
PLANTED = [
    grouped(VISA, "  "),                                  # double-spaced
    grouped(VISA, "\u00a0"),                               # non-breaking spaces
    VISA.translate(FULLWIDTH),                             # fullwidth digits
    grouped(card("81"), " "),                              # UnionPay 81
    grouped(card("56"), "-"),                              # Maestro 56
    grouped(card("57"), "."),                              # Maestro 57, dotted groups
    grouped(card("58"), "."),                              # Maestro 58, dotted groups
    card("4").translate(ARABIC_INDIC),                     # Arabic-Indic digits
    f"No. 7 {grouped(VISA)}",                              # after another number
    f"curl/7 {grouped(VISA)}",
    f"+49 {grouped(VISA)}",
    grouped(card("62"), " "),                              # UnionPay 62
    card("6011"), card("50", 18), card("3528"), card("34", 15), card("2221"),
    card("2200"), card("1", 15), card("9792"),
    grouped(card("55"), "\u202f"),                         # narrow no-break space
    card("4").translate(DEVANAGARI),
    grouped(card("4"), " - "),
]


@pytest.mark.parametrize("text", PLANTED)
def test_every_planted_form_is_found_and_redacted_in_place(text: str) -> None:
    sentence = f"Paid with {text} yesterday"
    assert find_card_numbers(sentence)
    safe = redact_card_numbers(sentence)
    assert REDACTION in safe and find_card_numbers(safe) == []
    assert safe.startswith("Paid with ") and safe.endswith(" yesterday")


def test_three_cards_in_one_value_are_all_redacted() -> None:
    text = f"{grouped(VISA)} then {card('81')} and {card('56').translate(FULLWIDTH)}"
    assert redact_card_numbers(text).count(REDACTION) == 3


@pytest.mark.parametrize("text", [
    "+86 138-0013-8000", "Chrome/124.0.6367.91 Safari/537.36", "Rm 1203, Tower B, 200031",
    "order 2026-05-01 12:00:00", grouped(VISA[:-1] + "2"),  # fails the Luhn check
    card("7"), card("0"), "4111 1111 1111",  # no issuer; too short
])
def test_numbers_that_are_no_card_are_left_alone(text: str) -> None:
    assert find_card_numbers(text) == [] and redact_card_numbers(text) == text


def test_identifiers_count_only_as_a_whole() -> None:
    assert is_card_number(VISA) and is_card_number(grouped(card("81"), "."))
    assert is_card_number(VISA.translate(ARABIC_INDIC))
    for identifier in (f"req_{VISA}", f"fp{VISA}ab", f"{VISA}-7", "acc_0001234"):
        assert not is_card_number(identifier)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789 .-\u00a0abx/"), max_size=60),
       st.sampled_from(PLANTED))
def test_redaction_leaves_no_card_and_keeps_the_rest(noise: str, planted: str) -> None:
    text = f"{noise} {planted} {noise}"
    safe = redact_card_numbers(text)
    assert find_card_numbers(safe) == []
    assert redact_card_numbers(safe) == safe


def test_random_hex_ids_are_not_cards() -> None:
    seed = random.randrange(2**32)
    print(f"hex id seed {seed}")
    rng = random.Random(seed)
    ids = ["".join(rng.choices("0123456789abcdef", k=32)) for _ in range(5000)]
    assert not any(is_card_number(i) for i in ids)


def _free_text_rows() -> list[tuple[str, str, str]]:
    return [(c.source, f.name, text) for c in CONTRACTS.values() for f in c.fields
            if f.free_text for text in PLANTED[:3]]


@pytest.mark.parametrize(("source", "field_name", "planted"), _free_text_rows())
def test_a_card_in_any_free_text_field_is_redacted_and_the_row_loaded(
    tmp_path: Path, source: str, field_name: str, planted: str
) -> None:
    rows = mini_world()[source] or [{
        "left_ref": "account:acc_op_0", "right_ref": "account:acc_lg_0", "verdict": "different",
        "analyst": "Analyst One", "decided_at": "2026-05-03T00:00:00Z"}]
    value = f"{rows[0].get(field_name) or 'x'} {planted}"
    rows = [{**rows[0], field_name: value}, *rows[1:]]
    write_landing(tmp_path, **{source: rows})
    table = TableIngest(CONTRACTS[source], tmp_path / f"{source}.csv")
    report = table.run()
    assert report.reconciles and report.quarantined == 0, table.quarantine
    loaded = table.frame()
    assert REDACTION in loaded.loc[0, field_name]
    assert loaded.loc[0, "_issues"] == f"{field_name}: card number redacted"
    assert luhn_tokens(loaded.to_json(force_ascii=False)) == []


def test_a_card_as_a_key_is_quarantined_and_redacted_in_the_quarantine(tmp_path: Path) -> None:
    world = mini_world()
    accounts = [{**world["accounts"][0], "account_id": grouped(VISA, "\u00a0")},
                *world["accounts"][1:]]
    write_landing(tmp_path, accounts=accounts)
    table = TableIngest(CONTRACTS["accounts"], tmp_path / "accounts.csv")
    report = table.run()
    assert (report.loaded, report.quarantined) == (len(accounts) - 1, 1)
    assert table.quarantine[0]["reason"] == (
        "full card number in identifier field account_id (redacted)")
    assert luhn_tokens(json.dumps(table.quarantine, ensure_ascii=False)) == []


def test_card_like_runs_inside_identifiers_are_loaded_untouched(tmp_path: Path) -> None:
    world = mini_world()
    payments = [{**world["payment_instruments"][0],
                 "processor_fingerprint": f"fp_{VISA}_a9"}, *world["payment_instruments"][1:]]
    write_landing(tmp_path, payment_instruments=payments)
    table = TableIngest(CONTRACTS["payment_instruments"], tmp_path / "payment_instruments.csv")
    assert table.run().quarantined == 0
    assert table.frame().loc[0, "processor_fingerprint"] == f"fp_{VISA}_a9"
    usage = pd.DataFrame(mini_world()["api_usage"][:3])
    usage["ts"] = pd.to_datetime(usage["ts"], utc=True)
    usage.loc[0, "request_id"] = f"req-{VISA}-x"
    usage.loc[1, "api_key_id"] = f"key{card('81')}"
    usage.loc[2, "request_id"] = VISA  # a card number as the whole key
    pq.write_table(pa.Table.from_pandas(usage, preserve_index=False), tmp_path / "day.parquet")
    report, quarantine = ingest_usage(CONTRACTS["api_usage"], tmp_path / "day.parquet",
                                      tmp_path / "out.parquet")
    assert (report.loaded, report.quarantined) == (2, 1)
    assert quarantine[0]["reason"] == "full card number in identifier field request_id (redacted)"
    assert VISA not in json.dumps(quarantine)
    assert f"req-{VISA}-x" in pd.read_parquet(tmp_path / "out.parquet")["request_id"].tolist()


def test_identifiers_in_other_scripts_are_judged_as_before(tmp_path: Path) -> None:
    """The usage days look for a letter through pyarrow in ASCII ids and through Python's
    ``re`` in the rest: an id of digits alone in any script is checked as a card number, an id
    with a letter (or a numeral Python counts as one, like a superscript) is loaded."""
    usage = pd.DataFrame(mini_world()["api_usage"][:5])
    usage["ts"] = pd.to_datetime(usage["ts"], utc=True)
    fullwidth = VISA.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    usage["request_id"] = [fullwidth, f"кд{VISA}", f"²{VISA}", VISA, f"x{VISA}"]
    pq.write_table(pa.Table.from_pandas(usage, preserve_index=False), tmp_path / "day.parquet")
    report, quarantine = ingest_usage(CONTRACTS["api_usage"], tmp_path / "day.parquet",
                                      tmp_path / "out.parquet")
    quarantined = sorted(int(q["line"]) for q in quarantine)
    assert quarantined == sorted(
        line for line, rid in enumerate(usage["request_id"], start=1) if is_card_number(rid))
    assert 4 in quarantined and {2, 3, 5}.isdisjoint(quarantined)
    assert report.loaded + report.quarantined == 5


def test_a_card_typed_into_an_optional_identifier_is_removed_not_echoed(tmp_path: Path) -> None:
    world = mini_world()
    accounts = [{**world["accounts"][0], "phone": grouped(VISA)}, *world["accounts"][1:]]
    write_landing(tmp_path, accounts=accounts)
    table = TableIngest(CONTRACTS["accounts"], tmp_path / "accounts.csv")
    assert table.run().quarantined == 0
    loaded = table.frame()
    assert loaded.loc[0, "phone"] is None and "phone" in loaded.loc[0, "_issues"]
    assert luhn_tokens(loaded.to_json(force_ascii=False)) == []
