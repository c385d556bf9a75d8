"""Which country a name or a demonym means, and which city a local name stands for."""

from __future__ import annotations

import pytest

from storage.gazetteer import country, gazetteer, local_member, place


@pytest.mark.parametrize(("word", "expected"), [
    ("Hungarian", "Hungary"), ("Tanzanian", "Tanzania"), ("American", None), ("Turkish", None),
])
def test_english_demonyms_name_one_country_or_none(word: str, expected: str | None) -> None:
    found = gazetteer().by_demonym(word)
    assert (found.name_en if found else None) == expected


@pytest.mark.parametrize(("word", "expected"), [
    ("salvadoreño", "El Salvador"), ("mexicano", "Mexico"), ("hondureño", "Honduras"), ("peruano", "Peru"),
    ("brasileño", "Brazil"), ("nacional", None), ("federal", None), ("actual", None), ("no", None),
])
def test_spanish_demonyms_name_one_country_or_none(word: str, expected: str | None) -> None:
    """ "el gobierno salvadoreño" is El Salvador's; "el gobierno nacional" is no country in particular."""
    found = gazetteer().by_spanish_demonym(word)
    assert (found.name_en if found else None) == expected


def test_a_citys_other_names_are_one_place_and_not_its_country() -> None:
    for name in ("CDMX", "Ciudad de México", "Mexico City", "mexico df"):
        found = place(name)
        assert found is not None and found.name == "Mexico City" and found.country == "Mexico"
    member = local_member("CDMX")
    assert member is not None and (member.name, member.country) == ("Mexico City", "Mexico")
    assert country("Mexico City") is None and place("Mexico") is None
