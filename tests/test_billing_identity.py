"""The identity rule that vetoes the billing model: what makes two billing profiles one
identity, and what (a shared office, a namesake elsewhere, another house on the street) does not.
Names and addresses are fictional."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipelines.resolve.fuzzy import IdentityRule, billing_matches, billing_profiles, model_digest

# A population of ordinary people so that word frequencies mean something: "smith" is common.
POPULATION = [(f"{first} smith", f"{n} elm road, riverton, {4000 + n}")
              for n, first in enumerate(["ann", "bob", "cy", "dee", "eve", "fay", "gus", "hal",
                                         "ivy", "jo", "kai", "lea"], start=10)]


def _rule(pairs: list[tuple[str, str]]) -> tuple[IdentityRule, dict[str, int]]:
    rows = POPULATION + pairs
    payments = pd.DataFrame({"account_id": [f"a{i}" for i in range(len(rows))],
                             "billing_name": [n for n, _ in rows],
                             "billing_address": [a for _, a in rows],
                             "billing_country": "NZ"})
    profiles = billing_profiles(payments)
    ids = {p.split(" | ")[0] + " @ " + p.split(" | ")[1]: u
           for p, u in zip(profiles["profile"], profiles["unique_id"], strict=True)}
    return IdentityRule(profiles), ids


def _same(left: tuple[str, str], right: tuple[str, str], *others: tuple[str, str]) -> bool:
    rule, ids = _rule([left, right, *others])
    return rule.same(ids[" @ ".join(left)], ids[" @ ".join(right)])


def test_one_name_with_typos_at_one_address_is_one_identity() -> None:
    assert _same(("marta quillfeather", "7 larch lane, dunmore, 9012"),
                 ("marta quilfeather", "7 larch lne, dunmore, 9012"))


def test_a_shared_surname_at_the_same_place_is_one_household() -> None:
    assert _same(("tobias wrenfield", "31 copper street, flat 4, dunmore, 9012"),
                 ("nora wrenfield", "31 coper street, dunmore, 9012"))


def test_an_uncommon_name_in_one_postcode_is_one_identity_though_the_street_differs() -> None:
    assert _same(("odalys pemberwick", "12 harbour view, dunmore, 9012"),
                 ("odalys pemberwick", "12 quay road, dunmore, 9012"))


def test_a_common_name_elsewhere_is_a_namesake() -> None:
    assert not _same(("ann smith", "88 birch avenue, westvale, 7301"),
                     ("ann smith", "19 cedar court, northgate, 5120"))


def test_another_house_number_on_the_street_is_another_place() -> None:
    assert not _same(("lee park", "14 willow street, dunmore, 9012"),
                     ("mia chen", "86 willow street, dunmore, 9012"))


@pytest.mark.parametrize("tenant", ["rui costa", "ida berg"])
def test_unrelated_names_at_a_shared_office_are_tenants(tenant: str) -> None:
    office = "level 3, 200 market square, dunmore, 9012"
    assert not _same(("sol varga", office), (tenant, office),
                     ("pia holm", office), ("tom ash", office))


def test_a_postcode_typo_alone_does_not_make_two_places() -> None:
    assert _same(("quentin fairholm", "5 aspen street, albion park, 4813"),
                 ("quentin fairholm", "5 aspen st reet, albion park, 4814"))


def test_neighbouring_offices_under_other_names_are_two_places() -> None:
    # Room and house number each one digit apart, another name: two differences, two people.
    assert not _same(("bram ostrow", "rm 2602, tower a, 272 kestrel road, dunmore"),
                     ("yuki tanabe", "rm 2609, tower d, 278 kestrel road, dunmore"))


def test_one_number_serves_as_twin_to_one_number_only() -> None:
    # Room 2105 is one edit from house number 205, but 205 is already the other's house
    # number: room 1780 has no twin, so these are two offices in one building.
    assert not _same(("ines calloway", "rm 2105, tower a, 205 kestrel road, dunmore"),
                     ("tomas calloway", "rm 1780, tower a, 205 kestrel road, dunmore"))


# Other tenants of the towers at 224 Kestrel Road: a business district, not a family's street.
TOWER_TENANTS = [(name, f"rm {room}, tower {tower}, 224 kestrel road, dunmore")
                 for name, room, tower in (("rui costa", 1201, "b"), ("ida berg", 1710, "b"),
                                           ("tom ash", 803, "e"), ("pia holm", 2210, "e"))]


def test_one_common_name_in_two_rooms_of_a_busy_tower_is_two_people() -> None:
    # The same common name (here the population's commonest) in the same towers, but room
    # 2904 and room 2916: on a street where many people bill, a number on each side the other
    # lacks is another office. Two operations whose fronts draw common names in one business
    # district stay apart.
    left = ("ann smith", "rm 2904, tower b, 224 kestrel road, dunmore")
    right = ("smith ann", "rm 2916, tower e, 224 kestrel road, dunmore")
    assert not _same(left, right, *TOWER_TENANTS)
    # On a quiet street the differing room is a garbled export: one person.
    assert _same(left, right)


def test_a_one_digit_house_number_tells_towers_apart_on_a_busy_street() -> None:
    # The same room number in towers at 8 and at 224 Kestrel Road: another building.
    assert not _same(("ann smith", "rm 2904, tower b, 8 kestrel road, dunmore"),
                     ("ann smith", "rm 2904, tower b, 224 kestrel road, dunmore"),
                     *TOWER_TENANTS, ("lee park", "rm 300, tower b, 8 kestrel road, dunmore"))


def test_an_uncommon_name_with_every_number_other_is_two_places() -> None:
    # House, unit and postcode all other: not one address garbled, another address (two
    # operations' fronts drawn from one culture's names, each at its own office).
    assert not _same(("odalys pemberwick", "287 severnaya st, unit 910, kazan, 590156"),
                     ("pemberwick odalys", "172 severnaya st, unit 3106, kazan, 283288"))
    # One of them surviving is a garbled export of one address.
    assert _same(("odalys pemberwick", "287 severnaya st, unit 910, kazan, 590156"),
                 ("pemberwick odalys", "172 severnaya st, unit 910, kazan, 283288"))


def test_a_room_left_out_on_one_side_is_still_one_place() -> None:
    assert _same(("ann smith", "rm 2904, tower b, 224 kestrel road, dunmore"),
                 ("ann smith", "tower b, 224 kestrel road, dunmore"), *TOWER_TENANTS)


def test_a_shared_name_word_forgives_one_number_typo() -> None:
    assert _same(("jacinta morrow", "10 cumpton place, barwick, 4805"),
                 ("jacinta brell", "10 cumpton place, barwick, 4806"))


def test_one_person_written_two_ways_is_one_occupant_of_a_home() -> None:
    # 'oona pelt' and 'oona pellt' are one person: the home has two occupants, not three, so
    # it is still a private address; a third person there makes it a shared one.
    home = "34 pohlman street, fig trees, raglan, 3927"
    assert _same(("ada marsh", home), ("oona pelt", home), ("oona pellt", home))
    assert not _same(("ada marsh", home), ("oona pelt", home), ("oona pellt", home),
                     ("wren hollis", home))


def test_the_same_profiles_train_the_same_model() -> None:
    """The saved model (and its digest in the run's metadata) depends on the profiles only:
    neither the linker's random id nor the order of DuckDB's parallel sums shows in it."""
    streets = ["elm road", "oak lane", "ash way", "fir street"]
    rows = [(f"{first} {last}", f"{n} {streets[n % 4]}, riverton, {4000 + n}")
            for n, (first, last) in enumerate(
                (f, la) for f in ("ann", "bob", "cy", "dee", "eve", "fay", "gus", "hal")
                for la in ("smith", "tane", "moana", "ruru", "kahu", "weka", "toroa", "kea"))]
    rows += [(name.replace("a", "e", 1), address) for name, address in rows[::5]]  # typos
    payments = pd.DataFrame({"account_id": [f"a{i}" for i in range(len(rows))],
                             "billing_name": [n for n, _ in rows],
                             "billing_address": [a for _, a in rows],
                             "billing_country": "NZ"})
    rule = {"min_probability": 0.5}
    first, second = (billing_matches(payments, rule)[1].model_json for _ in range(2))
    assert json.loads(first)["comparisons"] and "linker_uid" not in first
    assert first == second and model_digest(first) == model_digest(second)


def test_a_room_one_digit_off_in_a_busy_tower_is_another_room() -> None:
    # Rooms 2803 and 2806 of one tower, one edit apart: where many people bill, a common name
    # there is two tenants (two operations' fronts in one business district), however alike
    # the rest; and a common name word shared ('min', 'ming') does not forgive the other room.
    left = ("ann smith", "rm 2803, tower b, 224 kestrel road, dunmore")
    assert not _same(left, ("ann smith", "rm 2806, tower b, 224 kestrel road, dunmore"),
                     *TOWER_TENANTS)
    assert not _same(("cy smith", "rm 606, tower d, 171 kestrel road, dunmore"),
                     ("ann smith", "rm 606, tower e, 178 kestrel road, dunmore"), *TOWER_TENANTS)
    # On a quiet street the same digit is a typo in one person's export.
    assert _same(left, ("ann smith", "rm 2806, tower b, 224 kestrel road, dunmore"))


def test_an_initial_that_is_not_the_other_given_name_is_another_person() -> None:
    # Two rooms of one building under one family name: "F." is not Jerome.
    assert not _same(("F. Quillfeather", "200 boulevard de l'eglise, rm 2418, dunmore"),
                     ("Jerome Quillfeather", "200 boulevard de l'eglise, fl 3101, dunmore 5218"))
    # …while an initial of the other's given name, or a middle initial left out, is one person.
    assert _same(("J. Quillfeather", "200 boulevard de l'eglise, rm 2418, dunmore"),
                 ("Jerome Quillfeather", "200 boulevard de l'eglise, rm 2418, dunmore"))
    assert _same(("Marta K. Quillfeather", "7 larch lane, dunmore, 9012"),
                 ("Marta Quillfeather", "7 larch lane, dunmore, 9012"))
