"""The city and postcode read from the end of a one-line billing address, and what the billing
profiles take from it. Streets, places and people are fictional."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.normalise.address import locality
from pipelines.resolve.fuzzy import billing_profiles


@pytest.mark.parametrize(("line", "city", "postcode"), [
    ("51 Quarry Street, Tallowbend VIC 5612", "tallowbend vic", "5612"),
    ("Apt 82, 343 Lakeside Avenue, Westbury 23368", "westbury", "23368"),
    ("Sadovaya St 176, Room 3711, Novosibirsk, 430427", "novosibirsk", "430427"),
    ("ул. Садовая, д. 27, оф. 1902, Москва, 703788", "moskva", "703788"),
    ("#02-16, Tower B, 273 Ubi Av., Singapore 449398", "singapore", "449398"),
    ("12 Kestrel Lane, Dunmore QX1A 2BB", "dunmore", "qx1a2bb"),  # letters and digits
    ("Lindenweg 5, 10115 Eichstadt", "eichstadt", "10115"),  # the postcode first
    ("Nádražní 12, 702 00 Ostrava", "ostrava", "70200"),  # …written with its inner space
    ("Nádražní 12, Ostrava, 702 00", "ostrava", "70200"),
    ("Apt 80, 146 Market Lane, Northport", "northport", None),  # no postcode
])
def test_the_end_of_a_line_names_its_city_and_postcode(line: str, city: str,
                                                       postcode: str | None) -> None:
    assert locality(line) == (city, postcode)


@pytest.mark.parametrize("line", [
    "Rm 2602, Tower A, 272 Xinghuo Road",  # ends with the street
    "Sadovaya St 176, Room 3711",  # …with a room: not a postcode
    "36 Harbour Street Eastleigh 4410",  # one part: nothing tells the street from the city
    "12 Elm Road, Flat 3",
    "", None, float("nan"),
])
def test_a_line_that_ends_with_a_street_or_a_unit_names_no_place(line: object) -> None:
    assert locality(line) == (None, None)


@given(st.text(max_size=60))
def test_any_text_is_read_without_error(line: str) -> None:
    city, postcode = locality(line)
    assert city is None or (city and "," not in city)
    assert postcode is None or (len(postcode) >= 4 and any(ch.isdigit() for ch in postcode))


def test_structured_fields_win_and_the_line_fills_what_they_leave_out() -> None:
    payments = pd.DataFrame({
        "account_id": ["a1", "a2", "a3"],
        "billing_name": ["Ada Quill", "Ben Moss", "Cy Fern"],
        "billing_address": ["4 Elm Road, Riverton 4012", None, None],
        "billing_street": [None, "9 Oak Lane", "3 Ash Way"],
        "billing_city": [None, "Dunmore", None],
        "billing_postcode": [None, None, "7731"],
        "billing_country": "NZ",
    })
    profiles = billing_profiles(payments).set_index("name")[["city", "postcode"]]
    place = {name: [None if pd.isna(v) else v for v in row]
             for name, row in zip(profiles.index, profiles.to_numpy().tolist(), strict=True)}
    assert place["ada quill"] == ["riverton", "4012"]
    assert place["ben moss"] == ["dunmore", None]
    # A line joined from structured fields is not read back for a city ("3 ash way, 7731"
    # would give none anyway; "9 oak lane, dunmore" would give its city twice).
    assert place["cy fern"] == [None, "7731"]
