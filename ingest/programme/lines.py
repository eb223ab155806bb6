"""The line classifier: what a line of a programme document is, given where the reading stands.

The document is a PDF-to-text export: markdown headings, HTML fragments and tab-separated table
lines. ``classify`` looks at one line and at a snapshot of the reading (``Where``) and names what the
line is; it changes nothing, so each decision can be tested on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from ingest.programme.fields import field_name
from ingest.text import fold, strip_tags

FICHE = re.compile(r"Fiche\s+action\s+n\s*°?\s*(\d+)\s*[-.]\s*(\d+)\s*[-.]\s*(\d+)", re.IGNORECASE)
FIELD_LINE = re.compile(r"^\s*<b>(?P<label>[^<]*)</b>\s*(?:\t(?P<value>.*))?$")
BOLD_FIRST_CELL = re.compile(r"^\s*<b>(?P<label>[^<]*)</b>\s*$")
MD_HEADING = re.compile(r"^\s*#{1,6}\s+(?P<text>.+?)\s*$")
BOLD_LINE = re.compile(r"^\s*\*\*(?P<text>[^*].*?)\*\*\s*:?\s*$")
SEPARATOR = re.compile(r"^\s*-{2,}(\t-*)*\s*$")
FOOTNOTE = re.compile(r"^\s*(?:(?:\\?\*){1,2}\s+\S|\(\d+\)\s|N\.?\s?B\.?\s|A noter\b)", re.IGNORECASE)
PILLAR_HEADING = re.compile(r"^(?P<num>[IVX]+)\.\s*Pilier\s+(?P<label>.+)$", re.IGNORECASE)
AXIS_HEADING = re.compile(r"^Axe\s+strat[ée]gique\s+(?P<num>\d+)\s*:?\s*(?P<label>.*)$", re.IGNORECASE)
OBJECTIVE_HEADING = re.compile(
    r"^Objectif\s+op[ée]rationnel\s+n\s*°?\s*(?P<axis>\d+)\s*[-.]\s*(?P<num>\d+)[-\s]*:?\s*(?P<label>.*)$",
    re.IGNORECASE,
)
COST_TOTAL = re.compile(r"co[uû]t\s+total", re.IGNORECASE)
_SUMMARY_START = re.compile(r"^\s*PILIER\t")


class Kind(Enum):
    BLANK = "blank"  # blank, or a separator line: changes nothing
    IGNORED = "ignored"  # text before any fiche
    SUMMARY_START = "summary_start"
    SUMMARY_ROW = "summary_row"
    FICHE_START = "fiche_start"
    TABLE_HEADER = "table_header"
    TABLE_ROW = "table_row"
    TABLE_NOTE = "table_note"  # a footnote inside a funding table
    COST_TOTAL = "cost_total"
    HEADING = "heading"
    STRAY_ROW = "stray_row"  # a funding row with no table open
    FIELD = "field"  # a fiche field's label (and the start of its value)
    FIELD_TEXT = "field_text"  # more text of the current field
    PARTICIPATION = "participation"  # text of the "participation des habitants" part
    PARTICIPATION_START = "participation_start"
    UNATTACHED = "unattached"


@dataclass(frozen=True)
class Where:
    """What the classifier needs to know of the reading."""

    in_summary: bool = False
    in_fiche: bool = False
    in_fields: bool = False
    in_participation: bool = False
    table_open: bool = False
    table_has_rows: bool = False
    # The open table's header carries its first row's label ("Droit commun").
    table_header_has_row_label: bool = True


@dataclass(frozen=True)
class Classified:
    kind: Kind
    text: str = ""  # a heading's text, a field's value
    name: str | None = None  # a field's name
    row: list[str] | None = None  # the cells of a summary row, a table header or row
    match: re.Match[str] | None = None  # the "Fiche action n°" a fiche starts with


def cells(line: str) -> list[str]:
    return line.split("\t")


def is_header(row: list[str]) -> bool:
    """A funding table's header: "Droit commun" (the first row's label) then three columns or more;
    or, in other writers' tables, a "Coût de l'action" first cell then three funder columns or more."""
    # Most lines are neither: words both headers need, looked for before folding every cell.
    if len(row) < 4 or ("commun" not in "\t".join(row).lower() and "co" not in row[0].lower()):
        return False
    folded = [fold(strip_tags(c)) for c in row]
    if "droit commun" in folded:
        after = folded[folded.index("droit commun") + 1 :]
        # A "Droit commun" row whose cells hold money is the first row, not a header.
        return sum(1 for c in after if c) >= 3 and not any("€" in c for c in row)
    if folded and folded[0] in ("cout de l action", "cout", "cout total", "cout de l operation"):
        return sum(1 for c in folded[1:] if c and not any(ch.isdigit() for ch in c)) >= 3
    return False


def row_label(row: list[str]) -> str | None:
    """The row type a table line declares in its label column, if any."""
    if len(row) < 2 or not row[1] or len(row[1]) > 60:
        return None
    label = fold(strip_tags(row[1]))
    if label in ("credits specifiques", "cs", "credit specifique"):
        return "credits_specifiques"
    if label == "droit commun":
        return "droit_commun"
    return None


def classify(line: str, where: Where) -> Classified:
    """What ``line`` is, read at ``where``."""
    stripped = line.strip()
    if not stripped or SEPARATOR.match(line):
        return Classified(Kind.BLANK)
    row = cells(line)
    # Words each pattern needs, looked for in the lower-cased line before running the pattern.
    low = line.lower()
    if _SUMMARY_START.match(line):
        return Classified(Kind.SUMMARY_START)
    if where.in_summary and not where.in_fiche and "\t" in line and not MD_HEADING.match(line):
        return Classified(Kind.SUMMARY_ROW, row=row)
    if (match := FICHE.search(line) if "fiche" in low else None) and (
        "<b>" in line or line.lstrip().startswith(("Fiche", "**", "#"))
    ):
        return Classified(Kind.FICHE_START, match=match)
    # The first row of a table whose header does not carry it looks like a header: it is a row.
    first_row = where.table_open and row_label(row) is not None and not where.table_has_rows
    if is_header(row) and not (first_row and not where.table_header_has_row_label):
        return Classified(Kind.TABLE_HEADER, row=row)
    if where.table_open:
        if (
            line.startswith("\t")
            or ("action" in low and fold(strip_tags(row[0])) == "cout de l action")
            # A row whose "Coût de l'action" cell holds the cost: it does not start with a tab.
            or (len(row) >= 4 and not FIELD_LINE.match(line) and not match)
        ):
            return Classified(Kind.TABLE_ROW, row=row)
        if FOOTNOTE.match(line) and not ("total" in low and COST_TOTAL.search(line)):
            return Classified(Kind.TABLE_NOTE)
    # A cost total stands on its own line; inside a fiche's fields only a line that starts with
    # it is one (the words can also occur within a field's text).
    if (
        "total" in low
        and COST_TOTAL.search(line)
        and (not where.in_fields or COST_TOTAL.match(strip_tags(line).strip(" *#")))
    ):
        return Classified(Kind.COST_TOTAL)
    if (
        not line.startswith("<b>")
        and ("objectif" in low or "axe" in low)
        and (OBJECTIVE_HEADING.match(plain := strip_tags(line)) or AXIS_HEADING.match(plain))
    ):
        # Objective headings are often only half bold ("**Objectif opérationnel n°1-1:** label").
        return Classified(Kind.HEADING, line)
    if heading := MD_HEADING.match(line) or BOLD_LINE.match(line):
        return Classified(Kind.HEADING, heading["text"])
    if row_label(row) and not where.table_open:
        return Classified(Kind.STRAY_ROW)
    if not where.in_fiche:
        return Classified(Kind.IGNORED)
    return _in_fiche(line, stripped, where)


def _in_fiche(line: str, stripped: str, where: Where) -> Classified:
    field_match = FIELD_LINE.match(line) if "\t" in line else BOLD_FIRST_CELL.match(line)
    if field_match and where.in_fields:
        name = field_name(field_match["label"])
        if name:
            return Classified(Kind.FIELD, field_match.groupdict().get("value") or "", name)
        # A label split by a page break ("Pilotes /partenaires" ... "associés"): same field.
        return Classified(Kind.FIELD_TEXT)
    if where.in_fields and "\t" in line and "<b>" not in line:
        # Other exports lose the bold of the labels: "Quartiers concernés<TAB>Empalot ..." is a
        # field when its first cell is a field's label and nothing else.
        label, _, value = line.partition("\t")
        name = field_name(strip_tags(label)) if len(strip_tags(label)) <= 60 else None
        if name:
            return Classified(Kind.FIELD, value.strip(), name)
    if where.in_fields:
        return Classified(Kind.FIELD_TEXT)
    if where.in_participation:
        return Classified(Kind.PARTICIPATION)
    if "participation des habitants" in fold(stripped):
        return Classified(Kind.PARTICIPATION_START)
    return Classified(Kind.UNATTACHED)
