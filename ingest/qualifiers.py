"""Qualifiers of an amount: the words around it that say when, how often and how firmly it is given.

Pure lexical reading, like ``ingest.amounts``: no funder logic. The caller chooses the segment (the
words of one amount, typically from the previous amount's end to this one's end, plus a parenthesis
right after) and decides what the flags imply (a rate is not a second funding line, an estimate
lowers confidence, ...).

Periods (``read_period``) are read the same way from an amount's segment and from a fiche's
"Calendrier de réalisation". An open-ended period ("2ème semestre 2015 et années suivantes",
"À partir de Mai 2015") has ``year_end = None``: the end is not in the text, and the caller closes
it with the end of the contract, recording that it did so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ingest.amounts import find_amounts

__all__ = ["Qualifiers", "read_period", "read_qualifiers", "read_scope"]

YEAR_MIN, YEAR_MAX = 1990, 2040

_APOS = "['’]"
_MONTH = (
    r"(?:janvier|janv\.?|f[ée]vrier|f[ée]vr?\.?|mars|avril|avr\.?|mai|juin|juillet|juil\.?|ao[uû]t"
    r"|septembre|sept\.?|octobre|oct\.?|novembre|nov\.?|d[ée]cembre|d[ée]c\.?)"
)
# Words that open a period without closing it.
_OPEN_START = (
    rf"(?:[àa]\s+partir\s+d(?:e\s+|{_APOS}\s*)|[àa]\s+compter\s+d(?:[eu]\s+|{_APOS}\s*)"
    rf"|[àa]/c\s+(?:d(?:e\s+|{_APOS}\s*))?|depuis\s+|d[èe]s\s+)"
)
# Words that tie a year to an amount or a budget ("pour l'année 2015", "impact budget 2016", "BP 2015").
_CUE = rf"(?:en|pour\s+l{_APOS}\s*ann[ée]e|l{_APOS}\s*ann[ée]e|ann[ée]e|budget|BP|exercice)\s+"
_WHEN = (
    rf"(?:(?:d(?:e\s+|{_APOS}\s*))?(?:(?:le\s+)?[0-9]{{1,2}}(?:er)?\s+)?{_MONTH}\s+"
    r"|(?:[1-4](?:er|[èe]re|[èe]me|e|nde?)?|premier|second|deuxi[èe]me)\s+(?:semestre|trimestre)\s+)"
)
_YEAR = r"(?<![\w°])(?<![0-9][.,])(?P<year>[0-9]{4})(?![0-9])(?![.,][0-9])(?!\w)"
# "et années suivantes" (also the singular typo "et années suivante") leaves the period open.
_OPEN_END = r"(?:\s*(?:et\s+)?(?:les\s+)?ann[ée]es?\s+suivantes?|\s*et\s+suivantes|\s*et\s+au-del[àa])"

_YEAR_EXPR_RE = re.compile(
    rf"(?P<open_start>\b{_OPEN_START})?(?:\b{_CUE})?(?:\b{_WHEN})?"
    rf"(?P<paren>\(\s*)?{_YEAR}(?(paren)\s*\))"
    rf"(?P<open_end>{_OPEN_END})?",
    re.IGNORECASE,
)

_FOUR_DIGITS = re.compile(r"[0-9]{4}")

_RECURRING_RE = re.compile(
    r"\bpar\s+an\b|/\s*an(?:n[ée]e)?\b|\bannuel\w*|\bchaque\s+ann[ée]e\b|\bpar\s+ann[ée]e\b|\btous\s+les\s+ans\b",
    re.IGNORECASE,
)
_ESTIMATE_RE = re.compile(
    r"\bestim\w*|\benviron\b|\bpr[ée]visionnel\w*|\bapproximati\w*|\b[àa]\s+titre\s+indicatif\b",
    re.IGNORECASE,
)
_CONDITIONAL_RE = re.compile(
    r"\bmaxim(?:um|al|ale|aux)\b|\bmax\b|\bsous\s+r[ée]serve\b|\bplafon\w*|\bdans\s+la\s+limite\b"
    r"|\bau\s+plus\b|\bsous\s+condition",
    re.IGNORECASE,
)
_IN_KIND_RE = re.compile(r"\bmises?\s+[àa]\s+disposition\b|\bvaloris\w*|\ben\s+nature\b", re.IGNORECASE)
# The abbreviation is matched case-sensitively: "m à d" inside ordinary words is not it.
_IN_KIND_ABBREVIATION_RE = re.compile(r"\bM\.?\s?[àa]\.?\s?D\b")
_FTE_RE = re.compile(r"(?<![\w.,])(?P<fte>[0-9]+(?:[.,][0-9]+)?)\s*ETPT?\b")
_ASSESS_VERB = r"(?:[ée]valuer|d[ée]finir|pr[ée]ciser|compl[ée]ter|d[ée]terminer|chiffrer)"
_TO_BE_ASSESSED_RE = re.compile(
    rf"\b[àa]\s+{_ASSESS_VERB}\b"
    # The "à" is sometimes dropped inside a parenthesis: "(déterminer au regard de la convention)".
    rf"|\(\s*{_ASSESS_VERB}\b"
    r"|\bn[ée]gociations?\s+(?:[àa]\s+venir|en\s+cours)\b|\ben\s+cours\s+de\s+d[ée]finition\b"
    r"|\bnon\s+chiffr[ée]",
    re.IGNORECASE,
)


# Wording that makes an amount a whole territory's, not the neighbourhoods' own (kept, its scope
# marked, so that it never passes for QPV money): "menée à l'échelle départementale", "à l'échelle de
# l'agglomération", "sur l'ensemble de la ville".
_SCOPES = (
    (
        "departement",
        re.compile(
            r"[ée]chelle\s+d[ée]partementale|[ée]chelle\s+du\s+d[ée]partement|(?:ensemble|tout)\s+du\s+d[ée]partement"
            r"|niveau\s+d[ée]partemental",
            re.IGNORECASE,
        ),
    ),
    (
        "epci",
        re.compile(
            r"[ée]chelle\s+(?:de\s+l['’]\s*|du\s+)?(?:agglom[ée]ration|intercommunal\w*|communautaire|m[ée]tropol\w*|territoire\s+communautaire)"
            r"|(?:ensemble|tout)\s+(?:de\s+l['’]\s*|du\s+territoire\s+de\s+l['’]\s*)agglom[ée]ration",
            re.IGNORECASE,
        ),
    ),
    (
        "commune",
        re.compile(
            r"[ée]chelle\s+(?:de\s+la\s+)?(?:ville|commune|communale)\b|(?:ensemble|toute)\s+(?:de\s+)?la\s+ville\b",
            re.IGNORECASE,
        ),
    ),
)


def read_scope(segment: str) -> str:
    """The territory an amount is for, when its words say it is a whole territory's: departement,
    epci or commune; else qpv (the neighbourhoods its table's territory names)."""
    for scope, pattern in _SCOPES:
        if pattern.search(segment):
            return scope
    return "qpv"


@dataclass(frozen=True)
class Qualifiers:
    """What the words around one amount say about it."""

    year_start: int | None
    year_end: int | None
    year_text: str
    is_recurring: bool
    is_estimate: bool
    is_conditional: bool
    is_in_kind: bool
    fte: Decimal | None
    to_be_assessed: bool


def read_qualifiers(segment: str) -> Qualifiers:
    """Read the qualifiers of one amount from its segment of text."""
    year_start, year_end, year_text = read_period(segment)
    return Qualifiers(
        year_start=year_start,
        year_end=year_end,
        year_text=year_text,
        is_recurring=_RECURRING_RE.search(segment) is not None,
        is_estimate=_ESTIMATE_RE.search(segment) is not None,
        is_conditional=_CONDITIONAL_RE.search(segment) is not None,
        is_in_kind=(
            _IN_KIND_RE.search(segment) is not None or _IN_KIND_ABBREVIATION_RE.search(segment) is not None
        ),
        fte=_read_fte(segment),
        to_be_assessed=_TO_BE_ASSESSED_RE.search(segment) is not None,
    )


def read_period(text: str) -> tuple[int | None, int | None, str]:
    """The years a text speaks of: (first year, last year or None if open-ended, exact source text).

    All years between 1990 and 2040 are read, wherever they stand ("Action A : 2015 Action B 2016",
    "Phase 1 : 2015-2017 Phase 2 : 2016-2018"); the period runs from the smallest to the largest.
    Numbers that belong to an amount ("2000€") are not years. The period is open-ended (end None)
    when an open-ended wording ("et années suivantes", "à partir de") is attached to the latest year;
    one attached to an earlier year only opens a sub-period that a later year already outlasts.
    The text is the exact slice from the first year's wording to the last one's.
    """
    if not _FOUR_DIGITS.search(text):  # no year without four digits: most segments, read at C speed
        return None, None, ""
    candidates = [m for m in _YEAR_EXPR_RE.finditer(text) if YEAR_MIN <= int(m.group("year")) <= YEAR_MAX]
    if not candidates:
        return None, None, ""
    amount_spans = [(amount.start, amount.end) for amount in find_amounts(text)]
    expressions = [match for match in candidates if not _overlaps(match.span("year"), amount_spans)]
    if not expressions:
        return None, None, ""
    years = [int(match.group("year")) for match in expressions]
    last_year = max(years)
    open_ended = any(
        year == last_year and (match.group("open_start") or match.group("open_end"))
        for year, match in zip(years, expressions, strict=True)
    )
    year_text = text[expressions[0].start() : expressions[-1].end()].strip()
    return min(years), None if open_ended else last_year, year_text


def _overlaps(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)


def _read_fte(segment: str) -> Decimal | None:
    """The first FTE count of the segment ("0,3 ETP" -> 0.3)."""
    match = _FTE_RE.search(segment)
    if match is None:
        return None
    return Decimal(match.group("fte").replace(",", "."))
