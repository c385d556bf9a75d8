"""How member names are compared and which other names a member goes by.

Users type "ciudad de mexico", "CDMX" or "México"; pages write "Mexico City" or "Ciudad de México".
Everything is compared in one normal form (lower case, no accents, single spaces), and each member gets
the usual English and Spanish forms of its name as aliases.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from babel import Locale

_NON_WORD = re.compile(r"[^0-9a-z]+")

# Everyday names of places that OGP pages write in one language only. Geography, not OGP facts:
# who is a member, and since when, comes only from sources.
_PLACE_NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "mexico city": (("Ciudad de México", "es"), ("CDMX", "es"), ("Mexico DF", "es")),
    "ciudad de mexico": (("Mexico City", "en"), ("CDMX", "es")),
    "state of mexico": (("Estado de México", "es"),),
    "estado de mexico": (("State of Mexico", "en"),),
}

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


def normalize(text: str) -> str:
    """Lower case, accents removed, punctuation folded to single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped).strip()


def slugify(text: str) -> str:
    return normalize(text).replace(" ", "-")


@lru_cache(maxsize=1)
def _country_names() -> dict[str, tuple[str, str]]:
    """normalised English or Spanish country name -> (English name, Spanish name), from CLDR."""
    english, spanish = Locale("en").territories, Locale("es").territories
    names: dict[str, tuple[str, str]] = {}
    for code, en in english.items():
        if not (len(code) == 2 and code.isalpha()) or code in {"EU", "EZ", "UN", "ZZ", "QO"}:
            continue
        es = spanish.get(code, en)
        names[normalize(en)] = (en, es)
        names[normalize(es)] = (en, es)
    return names


def country_names(name: str) -> tuple[str, str] | None:
    """(English, Spanish) name of the country called ``name`` in either language, else None."""
    return _country_names().get(normalize(name))


def all_country_names() -> dict[str, tuple[str, str]]:
    return dict(_country_names())


def name_variants(name: str) -> list[tuple[str, str | None]]:
    """The usual other names of ``name``: its English/Spanish forms, as (alias, language) pairs."""
    variants: list[tuple[str, str | None]] = [(name, None)]
    country = country_names(name)
    if country:
        variants += [(country[0], "en"), (country[1], "es")]
    variants += list(_PLACE_NAMES.get(normalize(name), ()))
    for pattern, template, language in _LOCAL_FORMS:
        match = pattern.match(name.strip())
        if match:
            core = match.group(1).strip()
            variants.append((template.format(core), language))
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
