"""Which priority neighbourhoods (QPV) a fiche or sub-action is about, from its territory text.

The text is read against the QPVs of the document's contract (``ingest.territories``), by rule:

- a QPV is named by its official name or by a part of it, folded (case, accents, hyphens), linking
  words and the words "quartier", "QPV", "ZUS" left out, plurals read as singulars: "Centre ancien"
  is "Quartier Centre Ancien", "Champ de Mars" is "Quartier Champs De Mars", "La Conte" is
  "La Conte - Ozanam". A part names every QPV whose name holds it ("Bas-Vernet" is both "Bas-Vernet
  Ancien" and "Bas-Vernet Nouveau"); a part of one word needs five letters and not to be a common
  place word ("centre", "nord", "haut"...), a whole name needs nothing more;
- ``ref_qpv_aliases`` adds the names of sub-neighbourhoods, keyed by QPV code (valid wherever that
  QPV is the contract's), the words for "every QPV of the contract" (``ALL``) and the words for
  places that are not QPVs (``NONE``);
- "les neuf quartiers prioritaires", "les 3 QPV" also mean every QPV of the contract; so does a bare
  "QPV" / "quartier prioritaire" with no QPV named;
- a QPV of the contract's département that is not among the contract's (its commune was not known
  to be the contract's) is taken when named by its whole name or a part of two words or more.

At each place of the text the longest run of words that names something wins. A place in
parentheses right after a QPV name is a part of that QPV ("Centre-Ancien (Axe Foch-Augustins-
Fusterie)"), not a second territory. Anything else names no QPV: the caller resolves an unresolved
territory to the explicit "outside QPV / unspecified" member, with an issue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from ingest.reference import seed_rows
from ingest.territories import GENERIC_PLACE_WORDS, STOPWORDS, Qpv, Territory, qpvs_of_department
from ingest.text import fold

# Words of QPV names that say "neighbourhood", not which one.
_NAME_NOISE = frozenset(["quartier", "qpv", "qp", "zus"])
_NUMBER_WORDS = [
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
    "dix-sept",
    "dix-huit",
    "dix-neuf",
    "vingt",
]
_COUNTED_ALL = re.compile(
    rf"(?<![a-z0-9])(?:les|des|aux|nos|ses|ces)\s+(?:[0-9]{{1,2}}|{'|'.join(w.replace('-', ' ') for w in _NUMBER_WORDS)})"
    r"\s+(?:quartiers?|qpv|qp)(?![a-z0-9])"
)
_GENERIC_QPV = re.compile(
    r"(?<![a-z0-9])(?:qpv|qp|quartiers?\s+prioritaires?|quartiers?\s+politique\s+de\s+la\s+ville)(?![a-z0-9])"
)
# A run of one word names a QPV part only from this many letters on.
_MIN_PART_LETTERS = 5


@dataclass(frozen=True)
class TerritoryMatch:
    qpv_code: str
    match_kind: str  # exact | name_part | alias | outside_contract | all | not_qpv
    alias: str
    start: int
    end: int


def _singular(token: str) -> str:
    return token[:-1] if len(token) > 3 and token.endswith(("s", "x")) else token


def _key_tokens(text: str) -> list[str]:
    return [_singular(t) for t in fold(text).split() if t not in STOPWORDS]


def _name_key(name: str) -> tuple[str, ...]:
    return tuple(t for t in _key_tokens(name) if t not in _NAME_NOISE)


@dataclass(frozen=True)
class _Token:
    key: str
    start: int  # character offsets in the folded text
    end: int


def _tokens(folded: str) -> list[_Token]:
    tokens = []
    for match in re.finditer(r"[a-z0-9%€]+", folded):
        word = match.group(0)
        if word in STOPWORDS:
            continue
        tokens.append(_Token(_singular(word), match.start(), match.end()))
    return tokens


@cache
def _alias_rows() -> tuple[tuple[tuple[str, ...], str, str, str], ...]:
    rows = []
    for row in seed_rows("ref_qpv_aliases"):
        key = tuple(_key_tokens(row["alias"]))
        if key:
            rows.append((key, row["qpv_code"], row.get("match_kind") or "alias", row["alias"]))
    return tuple(rows)


def _contains(name: tuple[str, ...], run: tuple[str, ...]) -> bool:
    n = len(run)
    return any(name[i : i + n] == run for i in range(len(name) - n + 1))


@dataclass(frozen=True)
class _Index:
    """The names a territory text can use, for one contract."""

    names: tuple[tuple[Qpv, tuple[str, ...], bool], ...]  # QPV, name key, is the contract's
    aliases: tuple[tuple[tuple[str, ...], str, str, str], ...]
    longest: int
    communes: frozenset[str]  # folded names of the communes the contract and its document name


@cache
def _index(territory: Territory) -> _Index:
    own = {q.code for q in territory.qpvs}
    names: list[tuple[Qpv, tuple[str, ...], bool]] = [(q, _name_key(q.name), True) for q in territory.qpvs]
    if territory.department is not None:
        names += [
            (q, _name_key(q.name), False)
            for q in qpvs_of_department(territory.department.code)
            if q.code not in own
        ]
    aliases = tuple(row for row in _alias_rows() if row[1] in ("ALL", "NONE") or row[1] in own)
    longest = max([len(key) for _, key, _ in names] + [len(row[0]) for row in aliases] + [1])
    return _Index(tuple(names), aliases, longest, frozenset(fold(c.name) for c in territory.communes))


def _run_matches(index: _Index, run: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """What a run of words names: (code, kind, alias) for each QPV, ALL or NONE."""
    found: list[tuple[str, str, str]] = []
    for key, code, kind, alias in index.aliases:
        if key == run:
            found.append((code, kind, alias))
    part_ok = len(run) >= 2 or (len(run[0]) >= _MIN_PART_LETTERS and run[0] not in GENERIC_PLACE_WORDS)
    outside: list[tuple[Qpv, str]] = []
    for qpv, key, own in index.names:
        if not key:
            continue
        whole = key == run
        if not whole and not (part_ok and _contains(key, run)):
            continue
        if own:
            found.append((qpv.code, "exact" if whole else "name_part", qpv.name))
        elif whole or len(run) >= 2:
            outside.append((qpv, "outside_contract"))
    if any(kind in ("exact", "name_part") for _, kind, _ in found) or not outside:
        return found
    # A QPV of the département outside the contract's known list: one of a commune the document
    # names, else the only one the words fit ("Centre Ville" is the name of several).
    named = [(q, k) for q, k in outside if fold(q.commune_name) in index.communes]
    chosen = named or (outside if len(outside) == 1 else [])
    return found + [(q.code, kind, q.name) for q, kind in chosen]


@lru_cache(maxsize=4096)
def resolve(text: str | None, territory: Territory) -> tuple[TerritoryMatch, ...]:
    """QPV targets named by a territory text, in text order (one row per QPV; ALL and NONE kept).
    Cached: a fiche's territory text is read again for each of its tables."""
    return tuple(_resolve(text, territory))


def _resolve(text: str | None, territory: Territory) -> list[TerritoryMatch]:
    if not text:
        return []
    folded = fold(text)
    index = _index(territory)
    tokens = _tokens(folded)
    found: list[TerritoryMatch] = []
    position = 0
    while position < len(tokens):
        taken = 0
        for length in range(min(index.longest, len(tokens) - position), 0, -1):
            run = tuple(t.key for t in tokens[position : position + length])
            matches = _run_matches(index, run)
            if matches:
                start, end = tokens[position].start, tokens[position + length - 1].end
                found.extend(TerritoryMatch(code, kind, alias, start, end) for code, kind, alias in matches)
                taken = length
                break
        position += taken or 1
    for counted in _COUNTED_ALL.finditer(folded):
        if not any(m.start < counted.end() and counted.start() < m.end for m in found):
            found.append(TerritoryMatch("ALL", "all", counted.group(0), counted.start(), counted.end()))
    if not found:
        generic = _GENERIC_QPV.search(folded)
        if generic is not None:
            found.append(TerritoryMatch("ALL", "all", generic.group(0), generic.start(), generic.end()))
    found.sort(key=lambda m: (m.start, m.qpv_code))
    kept = _drop_parenthesised_parts(text, found)
    seen: set[str] = set()
    unique = []
    for match in kept:
        if match.qpv_code not in seen:
            seen.add(match.qpv_code)
            unique.append(match)
    return unique


def _drop_parenthesised_parts(text: str, found: list[TerritoryMatch]) -> list[TerritoryMatch]:
    """A not-QPV place in parentheses right after a QPV is a part of that QPV."""
    folded_parens = [
        (len(fold(text[: m.start()])), len(fold(text[: m.end()]))) for m in re.finditer(r"\([^()]*\)", text)
    ]
    kept = []
    for match in found:
        inside = any(a <= match.start and match.end <= b + 1 for a, b in folded_parens)
        if (
            match.match_kind == "not_qpv"
            and inside
            and any(other.qpv_code.startswith("Q") and other.end <= match.start for other in found)
        ):
            continue
        kept.append(match)
    return kept


_PART_MARKER = re.compile(r"(?:(?<=\s)|^)(?:Action|Phase)\s+([A-Z]\d?|\d)\b\s*:?", re.IGNORECASE)


def territory_part(text: str | None, sub_action_key: str | None) -> str | None:
    """The part of a territory text about one sub-action ("Action 2 quartiers test: ..."), else None."""
    if not text or not sub_action_key:
        return None
    markers = list(_PART_MARKER.finditer(text))
    for index, marker in enumerate(markers):
        if marker.group(1).upper() == sub_action_key.upper():
            end = markers[index + 1].start() if index + 1 < len(markers) else len(text)
            return text[marker.end() : end].strip()
    return None
