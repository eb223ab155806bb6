"""Lexical grammar of French money amounts as they appear in contrat de ville documents.

This module only reads numbers: it says where an amount is, what it is worth in euros and how sure
the reading is. Who pays, which row or year it belongs to, and whether it is a funding line or a
cost is decided elsewhere (see ``ingest.qualifiers`` for the words around an amount).

Shapes read (those seen in the documents, other figures): ``1 234 567 €``, ``15000€``, ``10 000€/an``, ``5.000 €``,
``1.253.880 €``, ``19 875,06 €``, ``€ 5 000``, ``€5000``, ``50 k€``, ``2 M€``, ``1,2 M€``,
``1.5 M° d'€`` (million d'euros), ``5000 euros``, ``5000 EUR``, with spaces, no-break spaces
(U+00A0) or narrow no-break spaces (U+202F) as thousands separators. A tab is never a separator:
in the PDF-to-text tables it separates cells.

Bare numbers (no currency marker) are money only in two contexts, both rule-based:

* **label rule** -- the number directly follows a funder or dispositif label and a ``:`` or ``=``
  (``DIRECCTE : 5000 Emplois aidés : 17 100€``). The word before the colon must contain a capital
  letter (funders and dispositifs are acronyms or proper names, whereas ``Temps agent : 450 par
  jour`` or ``durée : 12 mois`` are ordinary words) and must not be a reference label (``BOP``,
  ``fiche``, ``Axe``, ``n°``...), whose numbers are codes. The word after the number, if any, must
  not be lowercase (``12 mois``, ``30 voitures``, ``2ème``) nor a head count (``ETP``).
* **rate rule** -- the number is followed by a multiplication by a percentage, i.e. it is the gross
  amount of a share computation (``CDC :32 000 *20%=6400 €``).

In both cases the value must be at least 100 (counts, FTEs and percentages are small), must not be a
4-digit number between 1900 and 2099 written without separator (a year), must not start with a
0 (ids, phone numbers) and must not be longer than 8 digits without separator (ids). A bare amount
gets ``has_currency=False`` and a lowered confidence, with a note saying which rule accepted it.

Malformed grouping is read but flagged: ``265 00€`` (a last group of one or two digits) and
``1234 567 €`` (a first group of four digits or more, unless it is a year) are read by joining
the digits (26 500, 1 234 567) with ``malformed=True``, a confidence of 0.5 and a note; the
caller turns that into a data-quality issue. Malformed grouping is only recognised when a
currency marker is attached, since without one ``12 50`` is more likely two numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["AmountMatch", "find_amounts", "parse_amount"]

CENT = Decimal("0.01")
SCALES: dict[str, Decimal] = {"": Decimal(1), "k": Decimal(1_000), "M": Decimal(1_000_000)}

CLEAN_CONFIDENCE = 1.0
DOUBTFUL_CONFIDENCE = 0.5

# A bare number below this is a count, an FTE, a percentage or a list number, not money.
MIN_BARE_VALUE = Decimal(100)
# Above a thousand billion euros a digit run is an id, not an amount, whatever follows it.
MAX_INTEGER_DIGITS = 12
# A plain digit run longer than this without a currency marker is an id (SIRET, phone...).
MAX_BARE_PLAIN_DIGITS = 8
YEAR_LIKE_MIN, YEAR_LIKE_MAX = 1900, 2099

# Thousands separators: space, no-break space, narrow no-break space. Never a tab or a newline.
_SP = "[ \u00a0\u202f]"
_GAP = f"{_SP}*"
_APOS = "['’]"

_EURO = r"(?:€|(?i:euros?)\b|EUR\b)"
_MARKER = (
    rf"(?:(?P<kilo>[kK]|(?i:milliers?){_SP}+d{_APOS}){_GAP}{_EURO}"
    rf"|(?P<mega>M°?(?:{_GAP}d{_APOS})?|(?i:millions?)(?:{_SP}+d{_APOS})?){_GAP}{_EURO}"
    rf"|{_EURO})"
)
# The same marker without capture groups, for lookaheads.
_MARKER_PLAIN = re.sub(r"\?P<\w+>", "?:", _MARKER)

# Malformed shapes come first so that "265 00€" is not read as "265" then "00€".
_BAD_TAIL = rf"(?P<bad_tail>[0-9]{{1,3}}(?:{_SP}[0-9]{{3}})*{_SP}[0-9]{{1,2}})(?={_GAP}{_MARKER_PLAIN})"
_BAD_HEAD = (
    rf"(?P<bad_head>(?!(?:19|20)[0-9]{{2}}{_SP})[0-9]{{4,}}(?:{_SP}[0-9]{{3}})+(?![0-9]))"
    rf"(?={_GAP}{_MARKER_PLAIN})"
)
# French grouping by threes (space-like or dot separators), else a plain digit run.
_INT = r"[0-9]{1,3}(?:[ \u00a0\u202f.][0-9]{3})+(?![0-9])|[0-9]+"
# Comma is the French decimal mark; a dot is a decimal mark only before 1-2 digits ("1.5 M€"),
# before three it groups thousands ("5.000 €").
_DEC = r",[0-9]+|\.[0-9]{1,2}(?![0-9])"

_AMOUNT_RE = re.compile(
    # Not inside a word, a code ("QP034001", "n°34") or the decimals of another number ("2.1.1").
    r"(?<![\w°])(?<![0-9][.,])"
    rf"(?:(?P<pre>€){_GAP})?"
    rf"(?:{_BAD_TAIL}|{_BAD_HEAD}|(?P<int>{_INT})(?P<dec>{_DEC})?)"
    rf"(?:{_GAP}(?P<suf>{_MARKER}))?"
)

_LABEL_BEFORE_RE = re.compile(rf"(?P<label>[^\s:=]+){_GAP}[:=]{_GAP}$")
_LABEL_WINDOW = 60
_RATE_AFTER_RE = re.compile(rf"{_GAP}[*x×]{_GAP}[0-9]+(?:[.,][0-9]+)?{_GAP}%")
_DIGIT_AFTER_RE = re.compile(rf"{_GAP}[0-9]")
_NEXT_CHAR_RE = re.compile(rf"{_GAP}(?P<char>\S)")
_NEXT_WORD_RE = re.compile(rf"{_GAP}(?P<word>[^\W\d_]+)")
_NOT_MONEY_SIGNS = frozenset("%‰°")
_HEAD_COUNT_WORDS = frozenset({"ETP", "ETPT"})
# Labels whose numbers are references or codes, never money.
_REFERENCE_LABELS = frozenset(
    {"bop", "programme", "programmes", "fiche", "axe", "article", "objectif", "n°", "no", "phase", "page"}
    | {"code", "ref", "réf", "siret", "siren", "tel", "tél", "téléphone"}
)


@dataclass(frozen=True)
class AmountMatch:
    """One money amount found in a text, with its span and how sure the reading is."""

    start: int
    end: int
    text: str
    value: Decimal
    has_currency: bool
    scale: str
    malformed: bool
    confidence: float
    note: str


def find_amounts(text: str) -> list[AmountMatch]:
    """All money amounts of ``text``, in reading order and non-overlapping. Never raises."""
    found: list[AmountMatch] = []
    position = 0
    while (match := _AMOUNT_RE.search(text, position)) is not None:
        if _euro_belongs_to_next_number(text, match):
            # "Budget 2015 € 5 000": the year stays a year and the sign is read again as a prefix.
            position = match.start("suf")
            continue
        amount = _read_match(text, match)
        if amount is not None:
            found.append(amount)
        position = max(match.end(), match.start() + 1)
    return found


def parse_amount(text: str) -> Decimal | None:
    """The value of a string that is exactly one clean amount (surrounding spaces allowed), else None.

    The caller vouches that the string is an amount (e.g. a whole cell of a money column), so a bare
    number such as ``15000`` is accepted; a bare year-like number, a number with a leading zero and
    malformed grouping are not (use ``find_amounts`` to get those with their flags).
    """
    stripped = text.strip()
    match = _AMOUNT_RE.fullmatch(stripped)
    if match is None or _is_malformed(match):
        return None
    integer_digits = _digits(match.group("int"))
    if not _plausible_integer(integer_digits):
        return None
    if not _has_currency(match) and _is_year_like(match):
        return None
    return _value(match)


def _euro_belongs_to_next_number(text: str, match: re.Match[str]) -> bool:
    """A euro sign between a year-like number and another number is the prefix of the second one."""
    return (
        match.group("pre") is None
        and match.group("suf") == "€"
        and _is_year_like(match)
        and _DIGIT_AFTER_RE.match(text, match.end()) is not None
    )


def _read_match(text: str, match: re.Match[str]) -> AmountMatch | None:
    integer_digits = _digits(match.group("bad_tail") or match.group("bad_head") or match.group("int"))
    if not _plausible_integer(integer_digits):
        return None
    value = _value(match)
    has_currency = _has_currency(match)
    malformed = _is_malformed(match)
    confidence, note = CLEAN_CONFIDENCE, ""
    if malformed:
        grouped = match.group("bad_tail") or match.group("bad_head")
        confidence = DOUBTFUL_CONFIDENCE
        note = f"grouping {grouped!r} is not French thousands grouping; digits joined as {value}"
    elif not has_currency:
        rule = _bare_money_rule(text, match, value)
        if rule is None:
            return None
        confidence = DOUBTFUL_CONFIDENCE
        note = f"bare number without currency, read as money by the {rule}"
    return AmountMatch(
        start=match.start(),
        end=match.end(),
        text=match.group(0),
        value=value,
        has_currency=has_currency,
        scale=_scale(match),
        malformed=malformed,
        confidence=confidence,
        note=note,
    )


def _digits(grouped: str) -> str:
    return re.sub(r"[^0-9]", "", grouped)


def _plausible_integer(digits: str) -> bool:
    # A leading zero means an id, a phone number or the tail of a number split by a code.
    return 0 < len(digits) <= MAX_INTEGER_DIGITS and not (len(digits) > 1 and digits[0] == "0")


def _has_currency(match: re.Match[str]) -> bool:
    return match.group("pre") is not None or match.group("suf") is not None


def _is_malformed(match: re.Match[str]) -> bool:
    return match.group("bad_tail") is not None or match.group("bad_head") is not None


def _scale(match: re.Match[str]) -> str:
    if match.group("kilo") is not None:
        return "k"
    if match.group("mega") is not None:
        return "M"
    return ""


def _value(match: re.Match[str]) -> Decimal:
    malformed = match.group("bad_tail") or match.group("bad_head")
    if malformed is not None:
        number = Decimal(_digits(malformed))
    else:
        decimals = match.group("dec")
        fraction = "." + decimals[1:] if decimals else ""
        number = Decimal(_digits(match.group("int")) + fraction)
    return (number * SCALES[_scale(match)]).quantize(CENT, rounding=ROUND_HALF_UP)


def _is_year_like(match: re.Match[str]) -> bool:
    integer = match.group("int")
    return (
        integer is not None
        and match.group("dec") is None
        and len(integer) == 4
        and integer.isdigit()
        and YEAR_LIKE_MIN <= int(integer) <= YEAR_LIKE_MAX
    )


def _bare_money_rule(text: str, match: re.Match[str], value: Decimal) -> str | None:
    """Which context rule makes a bare number money ("label rule", "rate rule"), or None."""
    integer = match.group("int")
    if value < MIN_BARE_VALUE or _is_year_like(match):
        return None
    if integer.isdigit() and len(integer) > MAX_BARE_PLAIN_DIGITS:
        return None
    after = text[match.end() : match.end() + _LABEL_WINDOW]
    if _RATE_AFTER_RE.match(after):
        return "rate rule (followed by a percentage share)"
    next_char = _NEXT_CHAR_RE.match(after)
    if next_char is not None and next_char.group("char") in _NOT_MONEY_SIGNS:
        return None
    next_word = _NEXT_WORD_RE.match(after)
    if next_word is not None:
        word = next_word.group("word")
        if word[0].islower() or word.upper() in _HEAD_COUNT_WORDS:
            return None
    label = _LABEL_BEFORE_RE.search(text[max(0, match.start() - _LABEL_WINDOW) : match.start()])
    if label is None or not _is_funder_like(label.group("label")):
        return None
    return f"label rule (after {label.group('label')!r})"


def _is_funder_like(label: str) -> bool:
    word = label.strip("()[]*«»\"'")
    return any(char.isupper() for char in word) and word.lower() not in _REFERENCE_LABELS
