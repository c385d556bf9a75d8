"""Which country a name means: "Turkey", "Türkiye", "Turquía"; "US", "U.S.", "USA", "EE. UU.".

Pages, press and users write a country a dozen ways, and a name missed here is worse than unread: the
analysis would take "Turkey" for a local member and a question about "the US" would find nothing. The
names come from two well-kept libraries rather than hand lists:

* CLDR through babel: the current English and Spanish names ("Türkiye", "Corea del Sur");
* country_converter's ``country_data.tsv``: short and official names and, per country, a regular
  expression for the everyday forms ("turkey", "u.s.a.", "ivory coast", "south korea"). Only the data
  file is read; importing the package would import pandas, which no command here needs.

OGP writes some names its own way ("Republic of Korea", "Kyrgyz Republic", "Turkey"): the starter data's
names (``storage/starter/ogp_members.csv``) become the display names of those countries.

Everything is compared in ``storage.names.normalize`` form. A regular expression decides only when it
spans the whole phrase, so "Rugby" is not the United Kingdom and "Panama City" not Panama.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale

from storage.normal_form import normalize

#: CLDR territory codes that are regions or groupings, not countries.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"})
OGP_MEMBERS_CSV = Path(__file__).parent / "starter" / "ogp_members.csv"


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name_en: str
    name_es: str
    aliases: tuple[tuple[str, str | None], ...]  # (name, language); language None for codes


_DEMONYM = re.compile(r"(?P<stem>[A-Z][a-z]+?)(?:ians?|ans?|ish|ese|i)")
_DEMONYM_ES = re.compile(r"(?P<stem>[a-z]+?)(?:en[oa]s?|an[oa]s?|in[oa]s?|enses?|es[ae]s?|es|ec[oa]s?|[oa]s?)")


class Gazetteer:
    """Countries by any of their names."""

    def __init__(self, countries: list[Country], patterns: dict[str, re.Pattern[str]]) -> None:
        self.countries = {c.code: c for c in countries}
        self._patterns = patterns
        self._by_name: dict[str, Country] = {}
        for country in countries:
            for alias, _ in country.aliases:
                self._by_name.setdefault(normalize(alias), country)

    def country(self, name: str) -> Country | None:
        """The country ``name`` means, or None. "the United States" and "U.S." work; "Mexico City" is not
        a country, and neither is "us" in lower case."""
        text = name.strip(" ,.;:()\"'“”").replace("’", "'")
        if text.endswith((" U.S", " U.K", "EE. UU", "EE.UU")) or re.fullmatch(r"(?:[A-Z]\.){1,3}[A-Z]", text):
            text += "."  # the strip above took the abbreviation's last full stop
        for candidate in (text, _ARTICLE.sub("", text)):
            found = self._lookup(candidate)
            if found is not None:
                return found
        return None

    def by_demonym(self, word: str) -> Country | None:
        """The one country an English demonym names ("Hungarian" -> Hungary, "Tanzanian" -> Tanzania),
        found by its stem; None when no country or several share it ("Turkish": Turkey, Turkmenistan)."""
        m = _DEMONYM.fullmatch(word)
        if not m or len(m.group("stem")) < 4:
            return None
        stem = m.group("stem").lower()
        if any(word.lower() in c.name_en.lower().split() for c in self.countries.values()):
            return None  # "American" (American Samoa), "Dominican" (Dominican Republic): a name of its own
        found = {
            c.code for c in self.countries.values()
            # "American Samoa" has the word itself: that is not what "the American government" means.
            if c.name_en.lower().startswith(stem) and word.lower() not in c.name_en.lower().split()
        }
        return self.countries[found.pop()] if len(found) == 1 else None

    def by_spanish_demonym(self, word: str) -> Country | None:
        """The one country a Spanish demonym names ("salvadoreño" -> El Salvador, "mexicano" -> Mexico), found
        by its stem against the words of the Spanish names; None when none or several match."""
        m = _DEMONYM_ES.fullmatch(normalize(word))
        if not m or len(m.group("stem")) < 4:
            return None
        stem = m.group("stem")
        found = {c.code for c in self.countries.values()
                 if any(w.startswith(stem) for w in normalize(c.name_es).split())}
        return self.countries[found.pop()] if len(found) == 1 else None

    def _lookup(self, text: str) -> Country | None:
        letters = "".join(ch for ch in text if ch.isalpha())  # "Perú" has four letters
        if not text or (len(letters) <= 3 and not letters.isupper()):
            return None  # "US", "UK" are names only when written as initials
        found = self._by_name.get(normalize(text))
        if found is not None or len(text.split()) > 5:
            return found
        parts = [p for p in _LIST_SEPARATOR.split(text) if p.strip()]
        if len(parts) > 1 and sum(self._lookup(p.strip()) is not None for p in parts) >= 2:
            return None  # "Hungary and the Netherlands" is two countries, though coco's ".*netherlands" spans it
        lowered = text.lower()
        hits = {code for code, pattern in self._patterns.items() if _names_whole(pattern, lowered)}
        return self.countries.get(hits.pop()) if len(hits) == 1 else None


def _spans(pattern: re.Pattern[str], text: str) -> bool:
    return any(m.start() == 0 and m.end() == len(text) for m in pattern.finditer(text))


#: The one word a country's pattern may leave out of a name it still names: "Ivory Coast", "Kyrgyz Republic".
#: Any other word makes another place or body ("Panama City", "Kenya Airways").
_NAME_WORD = re.compile(r"^(?:coast|republic|kingdom|federation|commonwealth|union|islands|'s)$")
_LIST_SEPARATOR = re.compile(r",\s*|\s+(?:and|y|e|&)\s+", re.IGNORECASE)
_ARTICLE = re.compile(r"^(?:the|el|la|los|las)\s+", re.IGNORECASE)


def _names_whole(pattern: re.Pattern[str], text: str) -> bool:
    """The pattern names the whole phrase: all of it, or all but one of the words above, matched on word
    boundaries ("Rugby" is not "gb")."""
    for m in pattern.finditer(text):
        if m.start() == 0 and m.end() == len(text):
            return True
        if m.end() == m.start() or not _on_word_edges(text, m.start(), m.end()):
            continue
        rest = (text[: m.start()] + " " + text[m.end() :]).split()
        if len(rest) == 1 and _NAME_WORD.match(rest[0]):
            return True
    return False


def _on_word_edges(text: str, start: int, end: int) -> bool:
    return (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum())


def _coco_rows() -> list[dict[str, str]]:
    spec = importlib.util.find_spec("country_converter")
    if spec is None or not spec.submodule_search_locations:
        return []
    path = Path(next(iter(spec.submodule_search_locations))) / "country_data.tsv"
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _iso2(value: str) -> str | None:
    m = re.search(r"[A-Z]{2}", value or "")  # one row writes its code as a pattern ("^GB$|^UK$")
    return m.group() if m else None


def ogp_names() -> dict[str, str]:
    """normalised name -> the name OGP writes, for the countries in the starter data."""
    if not OGP_MEMBERS_CSV.exists():
        return {}
    with OGP_MEMBERS_CSV.open(encoding="utf-8") as f:
        return {normalize(r["name"]): r["name"] for r in csv.DictReader(f) if r.get("kind") == "country"}


def _spanish_plural_abbreviations(name: str) -> list[str]:
    """Spanish abbreviates a plural noun by doubling its initial: Estados Unidos -> EE. UU., EEUU."""
    words = name.split()
    if len(words) != 2 or not all(w.endswith("s") and w[0].isupper() for w in words):
        return []
    doubled = [w[0] * 2 for w in words]
    return [". ".join(doubled) + ".", "".join(doubled), ".".join(doubled) + "."]


def _initialisms(name: str) -> list[str]:
    """ "United Kingdom" -> UK, U.K.; candidates that the country's own pattern must still accept."""
    words = [w for w in re.split(r"[\s-]+", name) if w[:1].isupper()]
    if not 2 <= len(words) <= 4:
        return []
    letters = "".join(w[0] for w in words)
    return [letters, ".".join(letters) + "."]


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    english, spanish = Locale("en").territories, Locale("es").territories
    coco = {code: row for row in _coco_rows() if (code := _iso2(row.get("ISO2", "")))}
    patterns: dict[str, re.Pattern[str]] = {}
    for code, row in coco.items():
        try:
            patterns[code] = re.compile(row["regex"], re.IGNORECASE)
        except (re.error, KeyError):
            continue
    ogp = {}
    for name in ogp_names().values():
        code = next((c for c, p in patterns.items() if _spans(p, name.lower())), None)
        code = code or next((c for c, n in english.items() if normalize(n) == normalize(name)), None)
        if code:
            ogp[code] = name
    countries: list[Country] = []
    for code, en in english.items():
        if len(code) != 2 or not code.isalpha() or code in _NOT_COUNTRIES:
            continue
        en, es = en.replace(" & ", " and "), spanish.get(code, en).replace(" & ", " y ")  # as pages write them
        aliases: list[tuple[str, str | None]] = [(en, "en"), (es, "es")]
        aliases += [(en.replace("&", "and"), "en"), (es.replace("&", "y"), "es")] if "&" in en + es else []
        known = coco.get(code)
        if known:
            aliases += [(known["name_short"], "en"), (known["name_official"], "en")]
            aliases += [(alpha3, None) for alpha3 in [known.get("ISO3", "")] if _spans(patterns[code], alpha3.lower())]
            aliases += [(code, None)] if code in patterns and _spans(patterns[code], code.lower()) else []
            for short in _initialisms(known["name_short"]) + _initialisms(en):
                if code in patterns and _spans(patterns[code], short.lower()):
                    aliases.append((short, "en"))
        aliases += [(a, "es") for a in _spanish_plural_abbreviations(es)]
        name_en = ogp.get(code) or (known["name_short"] if known and " - " in en else en)  # not "Congo - Kinshasa"
        aliases.insert(0, (name_en, "en"))
        countries.append(Country(code, name_en, es, tuple(dict.fromkeys(aliases))))
    return Gazetteer(countries, patterns)


def country(name: str) -> Country | None:
    """The country called ``name`` in English, Spanish or a usual short form; None for anything else."""
    return gazetteer().country(name)


@dataclass(frozen=True)
class LocalMember:
    name: str
    country: str  # its country's name, as the members table writes it


@dataclass(frozen=True)
class Place:
    """A city or state that pages write by several names; geography, not OGP facts (who is a member, and
    since when, comes only from sources)."""

    name: str  # the English name
    country: str
    aliases: tuple[tuple[str, str], ...]  # (name, language)


PLACES: tuple[Place, ...] = (
    Place("Mexico City", "Mexico", (("Ciudad de México", "es"), ("CDMX", "es"), ("Mexico DF", "es"))),
    Place("State of Mexico", "Mexico", (("Estado de México", "es"),)),
)


@lru_cache(maxsize=1)
def _places() -> dict[str, Place]:
    return {normalize(alias): p for p in PLACES for alias in (p.name, *(a for a, _ in p.aliases))}


def place(name: str) -> Place | None:
    """The place ``name`` is one name of ("CDMX", "Ciudad de México" -> Mexico City), or None."""
    return _places().get(normalize(name.strip(" ,.;:")))


@lru_cache(maxsize=1)
def _local_members() -> dict[str, LocalMember]:
    if not OGP_MEMBERS_CSV.exists():
        return {}
    with OGP_MEMBERS_CSV.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get("kind") == "local" and r.get("country")]
    return {normalize(r["name"]): LocalMember(r["name"], r["country"]) for r in rows}


def local_member(name: str) -> LocalMember | None:
    """An OGP Local member the members table knows by this name ("Elgeyo Marakwet", "Kigoma Ujiji"), so
    that pages naming it without "County" or "Municipality" are still read as speaking of a member; or a
    city known by another name ("CDMX"), under its English name."""
    known = _local_members().get(normalize(name.strip(" ,.;:")))
    if known is None and (found := place(name)) is not None:
        known = _local_members().get(normalize(found.name)) or LocalMember(found.name, found.country)
    return known
