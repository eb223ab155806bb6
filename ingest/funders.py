"""The words that name funders and dispositifs in one contract's documents, and the codes they mean.

A funder is a role on a territory, not a name to memorise: "CD" or "Conseil départemental" is the
Département of the contract's département, "Ville" its commune, "CAF" the département's CAF, "Région"
the région the département belonged to that year. The seeds hold the words of the genre and what they
mean, never a contract's: ``ref_funder_aliases`` maps a word either to a national
funder (``DIRECCTE``, ``ARS``...) or to a *role* (``CD``, ``Conseil départemental`` -> the
Département; ``Ville`` -> the commune; ``CAF`` -> the CAF; ``Région`` -> the Région; ``Agglo`` ->
the EPCI). ``lexicon(territory)`` instantiates the roles on the document's territory
(``ingest.territories``: ``DEP-11``, ``COM-11069``, ``EPCI-200035715``...) and adds the words of that
territory: the EPCI's name, its place words with a legal form ("Carcassonne Agglo", "Communauté
d'Agglomération du Grand Narbonne"), its acronyms (the national list's, those the document defines),
"Ville de X" for the contract's communes (and any "Ville de X" as that commune), "CD 11", the names
of the régions. A body named in a cell that no rule knows ("Fondation de France", "OPH ... Habitat",
"Action Logement") is a funder of its own, ``AUTRE-<NAME>`` (role ``autre``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache

from ingest.codes import UNKNOWN_FUNDER
from ingest.reference import seed_rows
from ingest.territories import (
    LEGAL_FORM_WORDS,
    STOPWORDS,
    Territory,
    departments,
    initials_match,
    other_funder_code,
)
from ingest.text import fold

ROLE_OF_PREFIX = {
    "DEP": "departement",
    "REG": "region",
    "CAF": "caf",
    "EPCI": "epci",
    "COM": "commune",
    "AUTRE": "autre",
}


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    code: str
    kind: str  # name | acronym | hint | dispositif | inherited
    alias: str
    name: str | None = None  # the body's own name, for funders no reference lists (AUTRE-*, COM-<dép>-*)


# Characters that Python's case-insensitive matching equates with an ASCII letter although their
# ``lower()`` is not that letter: mapped before lowering, so that an ASCII needle found in neither
# the text nor its lowered form proves the pattern cannot match.
_ASCII_CASE_TWINS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_NEEDLE_RUN = re.compile(r"[A-Za-z0-9]{2,}")
_LOOSE_LETTERS = {
    "a": "[aàâä]",
    "c": "[cç]",
    "e": "[eéèêë]",
    "i": "[iîï]",
    "o": "[oôö]",
    "u": "[uùûü]",
    "y": "[yÿ]",
}


def loose(words: str) -> str:
    """A regex of a phrase that also matches it without accents, with hyphens for spaces, any case
    of its first letters ("Saint-Gély-du-Fesc" ~ "Saint Gely du Fesc")."""
    parts = []
    for word in re.split(r"[\s\-–]+", words.strip()):
        if not word:
            continue
        chars = []
        for char in fold(word).replace(" ", "'"):
            chars.append(_LOOSE_LETTERS.get(char, re.escape(char)).replace("'", "['’ ]?"))
        parts.append("".join(chars))
    return r"[\s\-–'’]*".join(parts)


@dataclass(frozen=True)
class AliasPattern:
    """The compiled pattern of one alias, with a literal that every match of it contains.

    ``finditer`` is only run on texts that hold the literal (profiled: matching each of the
    ~140 aliases on every cell was a tenth of a programme parse, for most of them in vain).
    """

    pattern: re.Pattern[str]
    needles: tuple[str, ...]  # literals one of which every match contains; empty: always matched
    case_sensitive: bool

    @classmethod
    def of(cls, alias: str, whole_word: bool, case_sensitive: bool) -> AliasPattern:
        body = r"\s*".join(re.escape(part) for part in alias.split())
        body = body.replace("'", "['’]").replace("’", "['’]")
        if whole_word:
            body = rf"(?<![\w]){body}(?![\w])"
        runs = _NEEDLE_RUN.findall(alias)
        needle = max(runs, key=len) if runs else ""
        return cls(
            re.compile(body, 0 if case_sensitive else re.IGNORECASE),
            ((needle if case_sensitive else needle.lower()),) if needle else (),
            case_sensitive,
        )

    @classmethod
    def regex(cls, body: str, needles: tuple[str, ...], case_sensitive: bool = False) -> AliasPattern:
        """A pattern written as a regex; ``needles``: literals one of which every match holds (lower
        case when the pattern is not case-sensitive; unaccented, so that accents written or not match)."""
        flags = 0 if case_sensitive else re.IGNORECASE
        # The needles are looked for in the lowered text whatever the pattern's case: exact either way.
        return cls(re.compile(rf"(?<![\w]){body}(?![\w])", flags), tuple(n.lower() for n in needles), False)


def ascii_needle(words: str) -> tuple[str, ...]:
    """The longest run of unaccented letters of a phrase, lower case: in the text whether its
    accents are written or not ("Béziers Méditerranée" -> "diterran")."""
    runs = re.findall(r"[a-z0-9]{2,}", words.lower())
    return (max(runs, key=len),) if runs else ()


def lowered(text: str) -> str:
    """What case-insensitive needles are looked for in (see ``_ASCII_CASE_TWINS``)."""
    return text.lower() if text.isascii() else text.translate(_ASCII_CASE_TWINS).lower()


CodeOf = Callable[[re.Match[str]], tuple[str, str | None]]


@dataclass
class Lexicon:
    """Funder and dispositif vocabulary of one territory."""

    funder_patterns: list[tuple[AliasPattern, str | CodeOf, str, str]]
    dispositif_patterns: list[tuple[AliasPattern, str, str]]
    usual_funder: dict[str, tuple[str, bool]]
    territory: Territory
    # The roles that commonly fund each dispositif (ref_dispositifs.co_funder_roles).
    co_funders: dict[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # One flat list to scan per cell: (pattern, code, kind, alias), in a fixed order; and which of
        # its entries each literal lets through (an entry without a literal is always run).
        entries = [(p, code, kind, alias) for p, code, kind, alias in self.funder_patterns] + [
            (p, code, "dispositif", alias) for p, code, alias in self.dispositif_patterns
        ]
        self._scan = [(p.pattern, code, kind, alias) for p, code, kind, alias in entries]
        self._always = [index for index, (p, *_rest) in enumerate(entries) if not p.needles]
        by_needle: dict[tuple[str, bool], list[int]] = {}
        for index, (p, *_rest) in enumerate(entries):
            for needle in p.needles:
                by_needle.setdefault((needle, p.case_sensitive), []).append(index)
        self._by_needle = list(by_needle.items())
        self._columns: dict[str, Mention | None] = {}

    def matches(self, text: str, prefilter: bool = True) -> list[Mention]:
        """Every match of every alias in the text, overlapping ones included, then the bodies named
        that no alias knows.

        With ``prefilter`` (the default) an alias none of whose literals is in the text is not
        matched at all (profiled: running the ~300 patterns on every cell was most of a programme
        parse); the literals are looked for once each, not once per pattern. ``tests/test_text.py``
        holds both ways equal.
        """
        if prefilter:
            low = lowered(text)
            selected = set(self._always)
            for (needle, case_sensitive), indexes in self._by_needle:
                if needle in (text if case_sensitive else low):
                    selected.update(indexes)
            scan = [self._scan[index] for index in sorted(selected)]
        else:
            scan = self._scan
        found: list[Mention] = []
        for pattern, code, kind, alias in scan:
            for m in pattern.finditer(text):
                if callable(code):
                    resolved, name = code(m)
                    found.append(Mention(m.start(), m.end(), resolved, kind, m.group(0), name))
                else:
                    found.append(Mention(m.start(), m.end(), code, kind, alias))
        found.extend(other_bodies(text, found))
        return found

    def mentions(self, text: str) -> list[Mention]:
        """The funders and dispositifs a text names, left to right, the longest at each place."""
        found = self.matches(text)
        # Longest match first at each place ("DIRECCTE UT 66" over "DIRECCTE", "ACSE/DRJSCS" over "ACSE").
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[Mention] = []
        for mention in found:
            if kept and mention.start < kept[-1].end:
                continue
            kept.append(mention)
        return kept

    def column_funder(self, header: str | None) -> Mention | None:
        """The funder a column header names: its first funder word; an acronym of the contract's
        EPCI's name; none for "Autres partenaires" and the like."""
        if not header:
            return None
        if header not in self._columns:
            self._columns[header] = self._column_funder(header)
        return self._columns[header]

    def _column_funder(self, header: str) -> Mention | None:
        funders = [m for m in self.mentions(header) if m.kind != "dispositif"]
        if funders:
            return funders[0]
        contract = self.territory.contract
        if contract is not None and contract.epci_siren:
            for token in re.findall(r"(?<![\w])[A-Z][A-Z0-9]{2,8}(?![\w])", header):
                if initials_match(token, contract.bare_name) and len(token) >= 3:
                    return Mention(0, len(header), self.territory.code_for_role("epci"), "acronym", token)
        return None

    def usual(self, dispositif: str) -> tuple[str, bool]:
        return self.usual_funder.get(dispositif, ("", False))

    def funds(self, dispositif: str, code: str) -> bool:
        """Whether a funder's role is among those that fund a dispositif (True when unknown)."""
        roles = self.co_funders.get(dispositif)
        return not roles or family_role(code) in roles


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes", "t")


def family_role(code: str) -> str:
    """A funder's role, the State's services and agencies counted as the State's ("etat")."""
    role = role_of(code)
    return "etat" if role in ("etat", "service_etat", "agence_etat") else role


@cache
def _national_parents() -> dict[str, str]:
    return {row["funder_code"]: row.get("parent_code") or "" for row in seed_rows("ref_funders")}


def is_within(code: str, ancestor: str) -> bool:
    """Whether a funder is the ancestor or one of its parts (DIRECCTE is within ETAT)."""
    parents = _national_parents()
    seen = 0
    while code and seen < 10:
        if code == ancestor:
            return True
        code, seen = parents.get(code, ""), seen + 1
    return False


def role_of(code: str, name: str | None = None) -> str:
    """The role of a funder code: from its prefix for territorial and other bodies, else the seed's."""
    if code == UNKNOWN_FUNDER:
        return "inconnu"
    prefix = code.split("-", 1)[0]
    if prefix in ROLE_OF_PREFIX:
        return ROLE_OF_PREFIX[prefix]
    return _national_roles().get(code, "autre")


@cache
def _national_roles() -> dict[str, str]:
    return {row["funder_code"]: row.get("funder_role") or "autre" for row in seed_rows("ref_funders")}


# -- bodies no reference knows -------------------------------------------------------------------------

# Words that open the name of a body (foundation, landlord, association...): generic vocabulary of
# the genre, not any contract's. A name goes on over capitalised words and short linking words.
_BODY_HEAD = (
    r"(?:Fondations?|Association|Assoc\.|OPH|Office\s+[Pp]ublic(?:\s+de\s+l['’]\s*[Hh]abitat)?|Action\s+Logement"
    r"|Bailleurs?(?:\s+sociaux)?|ESH|SA\s+HLM|Soci[ée]t[ée]\s+HLM|Mutualit[ée]|Mutuelle|Banque(?!\s+des\s+Territoires)"
    r"|Cr[ée]dit\s+(?:Agricole|Mutuel|Coop[ée]ratif)|Caisse\s+d['’]\s*[ÉE]pargne|CCI|CMA|Chambre\s+(?:de|des|d['’])\s*\w+"
    r"|Universit[ée]|Mission\s+[Ll]ocale|Fonds\s+(?:de\s+dotation|priv[ée]s?)|M[ée]c[ée]nat|Entreprises?\s+partenaires?)"
)
_BODY = re.compile(
    rf"(?<![\w]){_BODY_HEAD}(?:[\s\-]+(?:(?:de|du|des|la|le|les|et|pour|sur|d['’]|l['’])\s*)*"
    r"(?:[A-ZÉÈÀÂÎÔ0-9][\w'’\-]*|[A-Z]{2,}))*"
)


def other_bodies(text: str, known: list[Mention]) -> list[Mention]:
    """Bodies a text names that no alias knows ("Fondation de France : 10 000 €")."""
    found = []
    for match in _BODY.finditer(text):
        if any(m.start < match.end() and match.start() < m.end for m in known if m.kind != "dispositif"):
            continue
        name = re.sub(
            r"[\s\-]+(?:de|du|des|la|le|les|et|pour|sur|d['’]|l['’])\s*$", "", match.group(0)
        ).strip(" -")
        if len(name) < 3:
            continue
        found.append(
            Mention(match.start(), match.start() + len(name), other_funder_code(name), "name", name, name)
        )
    return found


# -- the lexicon of a territory ---------------------------------------------------------------------------


def _fixed(code: str, name: str) -> CodeOf:
    return lambda _match: (code, name)


def _epci_patterns(territory: Territory) -> list[tuple[AliasPattern, str | CodeOf, str, str]]:
    contract = territory.contract
    if contract is None or not contract.epci_siren:
        return []
    code = territory.code_for_role("epci")
    rows: list[tuple[AliasPattern, str | CodeOf, str, str]] = [
        (
            AliasPattern.regex(loose(contract.bare_name), ascii_needle(contract.bare_name)),
            code,
            "name",
            contract.bare_name,
        )
    ]
    words = re.findall(r"[\w\-]+", re.sub(r"\([^)]*\)", " ", contract.name))
    place = [w for w in words if fold(w) not in LEGAL_FORM_WORDS]
    while place and fold(place[0]) in STOPWORDS:
        place.pop(0)
    while place and fold(place[-1]) in STOPWORDS:
        place.pop()
    if place:
        phrase = " ".join(place)
        form = (
            r"(?:Communaut[ée]\s+d['’]\s*Agglom[ée]ration|Communaut[ée]\s+de\s+[Cc]ommunes|Communaut[ée]\s+[Uu]rbaine"
            r"|Agglom[ée]ration|Agglo|M[ée]tropole|CA|CC|CU)"
        )
        link = r"\s+(?:de\s+l['’]\s*|de\s+la\s+|du\s+|des\s+|de\s+|d['’]\s*)?"
        # The place words with a legal form before or after them ("Carcassonne Agglo", "Agglo du Grand
        # Narbonne"); alone only when they are more than one word ("Montpellier Méditerranée").
        body = rf"(?:{form}{link}{loose(phrase)}(?:\s+{form})?|{loose(phrase)}\s+{form})"
        rows.append((AliasPattern.regex(body, ascii_needle(phrase)), code, "name", phrase))
        if len([w for w in place if fold(w) not in STOPWORDS]) >= 2:
            rows.append((AliasPattern.regex(loose(phrase), ascii_needle(phrase)), code, "name", phrase))
    for acronym in dict.fromkeys((*contract.acronyms, *territory.epci_acronyms)):
        rows.append((AliasPattern.of(acronym, True, True), code, "acronym", acronym))
    return rows


_COMMUNE_WORDS = r"(?i:ville|commune|mairie|ccas|municipalit[ée])"
# The prefilter of "Ville de X": one of these is in every match (looked for in the lowered text).
_COMMUNE_NEEDLES = ("ville", "commune", "mairie", "ccas", "municipalit")
_NAMED_COMMUNE = (
    rf"{_COMMUNE_WORDS}\s+(?i:de\s+la\s+|de\s+l['’]\s*|du\s+|des\s+|de\s+|d['’]\s*)"
    r"(?P<commune>[A-ZÉÈÀÂÎÔ][\w'’]*(?:[\s\-]+(?:(?:sur|sous|en|de|du|des|la|le|les|lès|lez|et|d['’]|l['’])[\s\-]*)*[A-ZÉÈÀÂÎÔ][\w'’]*)*)"
)


def _territory_patterns(territory: Territory) -> list[tuple[AliasPattern, str | CodeOf, str, str]]:
    rows = _epci_patterns(territory)

    def commune_code(match: re.Match[str]) -> tuple[str, str | None]:
        name = match.group("commune")
        return territory.commune_code(name), name

    rows.append(
        (AliasPattern.regex(_NAMED_COMMUNE, _COMMUNE_NEEDLES, True), commune_code, "name", "Ville de ...")
    )
    # Bodies the document names with an acronym of its own ("Association Espace Polygone (AEP)").
    for acronym, name in territory.bodies:
        rows.append(
            (AliasPattern.of(acronym, True, True), _fixed(other_funder_code(name), name), "acronym", acronym)
        )

    def department_code(match: re.Match[str]) -> tuple[str, str | None]:
        number = match.group("dep").upper()
        number = number.zfill(2) if number.isdigit() and len(number) < 2 else number
        return (f"DEP-{number}" if number in departments() else territory.code_for_role("departement")), None

    rows.append(
        (
            AliasPattern.regex(r"(?:CD|CG)\s?(?P<dep>[0-9]{2,3}|2[AB])", ("CD", "CG"), True),
            department_code,
            "acronym",
            "CD<dép.>",
        )
    )

    def caf_code(match: re.Match[str]) -> tuple[str, str | None]:
        number = match.group("dep").upper()
        return (f"CAF-{number}" if number in departments() else territory.code_for_role("caf")), None

    rows.append(
        (
            AliasPattern.regex(r"CAF\s?(?P<dep>[0-9]{2,3}|2[AB])", ("CAF",), True),
            caf_code,
            "acronym",
            "CAF<dép.>",
        )
    )
    # The régions by name, each as its own Région (a document may name another région than its own).
    regions: dict[str, str] = {}
    for dept in departments().values():
        for name in (dept.region_name, dept.region_name_before_2016):
            if name and dept.region_code:
                regions.setdefault(name, dept.region_code)
    for name, region_code in regions.items():
        body = rf"(?:Conseil\s+[Rr][ée]gional|R[ée]gion)\s+(?:de\s+l['’]\s*|de\s+la\s+|du\s+|des\s+|de\s+|d['’]\s*)?{loose(name)}"
        rows.append((AliasPattern.regex(body, ("gion",)), f"REG-{region_code}", "name", f"Région {name}"))
    own = territory.department
    if own is not None:
        for name in sorted({own.region_name, own.region_name_before_2016}):
            if name and len(name) >= 6 and fold(name) not in ("centre", "corse"):
                rows.append(
                    (
                        AliasPattern.regex(loose(name), ascii_needle(name)),
                        f"REG-{own.region_code}",
                        "hint",
                        name,
                    )
                )
    return rows


@lru_cache(maxsize=64)
def lexicon(territory: Territory) -> Lexicon:
    funder_patterns: list[tuple[AliasPattern, str | CodeOf, str, str]] = []
    for row in seed_rows("ref_funder_aliases"):
        role = (row.get("funder_role") or "").strip()
        code = row.get("funder_code") or (territory.code_for_role(role) if role else "")
        if not code:
            continue
        pattern = AliasPattern.of(
            row["alias"], _true(row.get("whole_word")), _true(row.get("case_sensitive"))
        )
        funder_patterns.append((pattern, code, row.get("match_kind") or "name", row["alias"]))
    funder_patterns.extend(_territory_patterns(territory))
    dispositif_patterns = [
        (
            AliasPattern.of(row["alias"], _true(row.get("whole_word")), _true(row.get("case_sensitive"))),
            row["dispositif_code"],
            row["alias"],
        )
        for row in seed_rows("ref_dispositif_aliases")
    ]
    usual = {}
    co_funders = {
        row["dispositif_code"]: frozenset((row.get("co_funder_roles") or "").split())
        for row in seed_rows("ref_dispositifs")
    }
    for row in seed_rows("ref_dispositifs"):
        role = (row.get("usual_funder_role") or "").strip()
        funder = row.get("usual_funder_code") or (territory.code_for_role(role) if role else "")
        usual[row["dispositif_code"]] = (funder, _true(row.get("usual_funder_exclusive")))
    return Lexicon(funder_patterns, dispositif_patterns, usual, territory, co_funders)
