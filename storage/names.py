"""How member names are compared and which other names a member goes by.

Users type "ciudad de mexico", "CDMX" or "México"; pages write "Mexico City" or "Ciudad de México".
Everything is compared in one normal form (lower case, no accents, single spaces), and each member gets
the usual English and Spanish forms of its name as aliases.
"""

from __future__ import annotations

import re

from storage.gazetteer import country as gazetteer_country
from storage.gazetteer import gazetteer, place
from storage.normal_form import normalize, slugify

__all__ = ["normalize", "slugify", "country_names", "all_country_names", "name_variants"]

# English and Spanish forms of the words OGP uses around local members' names.
_LOCAL_FORMS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"^municipality of (.+)$", re.I), "Municipio de {}", "es"),
    (re.compile(r"^municipio de (.+)$", re.I), "Municipality of {}", "en"),
    (re.compile(r"^(.+) state$", re.I), "Estado de {}", "es"),
    (re.compile(r"^state of (.+)$", re.I), "Estado de {}", "es"),
    (re.compile(r"^estado de (.+)$", re.I), "{} State", "en"),
    (re.compile(r"^city of (.+)$", re.I), "Ciudad de {}", "es"),
    (re.compile(r"^(?:province|provincia|region|región|county|condado) of (.+)$", re.I), "{}", "en"),
)


def country_names(name: str) -> tuple[str, str] | None:
    """(English, Spanish) name of the country called ``name`` in either language or a usual short form."""
    country = gazetteer_country(name)
    return (country.name_en, country.name_es) if country else None


def all_country_names() -> dict[str, tuple[str, str]]:
    """normalised name -> (English, Spanish) name, for every name of every country."""
    return {
        normalize(alias): (c.name_en, c.name_es) for c in gazetteer().countries.values() for alias, _ in c.aliases
    }


def name_variants(name: str) -> list[tuple[str, str | None]]:
    """The usual other names of ``name``: its English/Spanish forms, as (alias, language) pairs."""
    variants: list[tuple[str, str | None]] = [(name, None)]
    country = gazetteer_country(name)
    if country:
        variants += list(country.aliases)
    known_place = place(name)
    if known_place is not None:
        variants += [(known_place.name, "en"), *known_place.aliases]
    for pattern, template, form_language in _LOCAL_FORMS:
        match = pattern.match(name.strip())
        if match:
            core = match.group(1).strip()
            variants.append((template.format(core), form_language))
            if not country_names(core):  # "State of Mexico" must not answer to "Mexico"
                variants.append((core, None))
    seen: set[str] = set()
    unique: list[tuple[str, str | None]] = []
    for alias, language in variants:
        key = normalize(alias)
        if key and key not in seen:
            seen.add(key)
            unique.append((alias, language))
    return unique
