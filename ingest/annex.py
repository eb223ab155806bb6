"""Parser of the "annexe objectifs / BOP" document kind (objectives and pre-identified State BOPs).

The annex is one table per pillar, written as tab-separated lines: a reference, the operational
objective, the pre-identified BOPs, the managing State services (same order as the BOPs), two partner
columns, an indicator and a national target. Pillar and axis headings sit between the rows, in the
first or second cell, alone on their line or padded with empty cells.

What this module decides, and what it leaves to dbt:

- one row per line whose first cell is a reference; values are kept as written (outer spaces
  trimmed, empty cells as ``None``): BOP and service lists are neither split nor paired here;
- ``pillar`` is the pillar heading without its "Pilier" word; the "Axe transversal : ..." blocks
  are not under any pillar of the document, so they get the pillar ``TRANSVERSAL_PILLAR`` and no
  ``axis_number``; their ``axis_label`` is the text after "Axe transversal :";
- a line with an empty first cell and some content after it continues the objective row above it
  (a page break split the row): its cells are appended to that row, list columns with a space so
  that the BOP and service lists stay space-separated lists, text columns with ``TEXT_JOINER``
  (an identical value, such as the repeated partner text, is not appended twice);
- duplicates, wildcards and references whose axis differs from the heading are left for dbt to
  report; ``ref_parts`` reads a reference for that purpose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ingest.records import ParseResult
from ingest.schema import PROVENANCE, RAW_TABLES
from ingest.text import fold, strip_html, strip_tags

KIND = "annexe_objectifs_bop"
TABLE = "annex_objectives"
TRANSVERSAL_PILLAR = "Axes transversaux"
# Indicators are free text that already use "/" between alternatives; " / " keeps them readable.
TEXT_JOINER = " / "
LIST_JOINER = " "

# The row columns the parser fills: the raw table's, minus the provenance the loader adds.
ROW_COLUMNS: tuple[str, ...] = tuple(
    name for name, _ in RAW_TABLES[TABLE] if name not in {prov for prov, _ in PROVENANCE}
)
# The annex table's cells, left to right.
CELL_COLUMNS: tuple[str, ...] = (
    "objective_ref",
    "objective_label",
    "bop_list",
    "service_list",
    "partner_collectivite",
    "partner_signataire",
    "indicator",
    "national_target",
)
LIST_COLUMNS = frozenset({"bop_list", "service_list"})

# The folded starts of each column's header, by column: a header row is read to know where each
# column is (annexes of other contracts order them otherwise: the service before the BOP...).
_HEADER_LABELS: dict[str, tuple[str, ...]] = {
    "objective_ref": ("ref", "reference", "n", "no", "numero", "code"),
    "objective_label": ("objectif operationnel", "objectifs operationnels", "objectif", "objectifs"),
    "bop_list": ("bop", "programme", "programmes", "prog", "lolf"),
    "service_list": (
        "service etat gestionnaire",
        "service de l etat gestionnaire",
        "services de l etat",
        "service gestionnaire",
        "service",
        "services",
    ),
    "partner_collectivite": ("collectivite locale partenaire", "collectivite", "partenaire", "partenaires"),
    "partner_signataire": ("signataire partenaire", "signataire", "signataires"),
    "indicator": ("indicateur", "indicateurs"),
    "national_target": ("valeur cible", "cible", "objectif chiffre"),
}
# Header cells distinctive enough to tell this kind from any other document (a BOP column, a
# managing-service column, a target column).
_KIND_SIGNALS = ("bop", "service", "valeur cible")
# How many well-formed references make the reference half of the detection score full.
_REFS_FOR_FULL_SCORE = 5

# A reference is one token: a short letter prefix, an underscore, then letters, digits, "*" or "/"
# (PDEE_AS1_001, PCOS_AS1_OO1, PHCV_AS2_*, Atr_EgF/H, Atr_Jeunesse), or numbers (2.3.1, 1-2).
_REF = re.compile(r"^(?:[A-Za-z]{2,8}(?:_[A-Za-z0-9*/]+)+|[0-9]{1,2}(?:[.\-][0-9]{1,2}){1,3})$")
_NUMERIC_REF = re.compile(r"^[0-9]{1,2}(?:[.\-][0-9]{1,2}){1,3}$")
# The numbered form, where the axis and the sequence can be read; "O" typed for "0" is tolerated.
_NUMBERED_REF = re.compile(r"^(?P<prefix>[A-Za-z]+)_AS(?P<axis>[0-9Oo]+)_(?P<seq>[0-9Oo]+|\*)$")
_LOOSE_REF = re.compile(r"^(?P<prefix>[A-Za-z]+)_(?P<seq>\S+)$")

_PILLAR = re.compile(r"^pilier\b\s*:?\s*(?P<label>.+)$", re.IGNORECASE)
_AXIS = re.compile(
    r"^axe\s+strat[ée]gique\s*(?:n[°o]\s*)?(?P<number>\d+)\s*[:.\-–]?\s*(?P<label>.*)$", re.IGNORECASE
)
_TRANSVERSAL = re.compile(r"^axe\s+transversal\b\s*[:.\-–]?\s*(?P<label>.*)$", re.IGNORECASE)
_SEPARATOR_CELL = re.compile(r"^:?-{2,}:?$")
# Characters a clean export never contains: the decoder's replacement mark and C0 controls but tab.
_UNREADABLE_CHAR = re.compile(r"[\ufffd\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Heading:
    """A pillar, strategic-axis or transversal-axis heading."""

    level: str  # "pillar" | "axis" | "transversal"
    number: int | None
    label: str | None


@dataclass
class _Context:
    """The headings in force while reading down the document."""

    pillar: str | None = None
    axis_number: int | None = None
    axis_label: str | None = None
    # Index in the output rows of the objective row a continuation line may still belong to.
    owner: int | None = None
    # Where each column is, from the last header row (None: the bundled layout, by position).
    layout: dict[str, int] | None = None
    width: int = len(CELL_COLUMNS)

    def apply(self, heading: Heading) -> None:
        if heading.level == "pillar":
            self.pillar, self.axis_number, self.axis_label = heading.label, None, None
        elif heading.level == "transversal":
            self.pillar, self.axis_number, self.axis_label = TRANSVERSAL_PILLAR, None, heading.label
        else:
            self.axis_number, self.axis_label = heading.number, heading.label
        # A continuation never crosses a heading: the row above belongs to another block.
        self.owner = None


def _digits(text: str) -> str:
    # The documents type the letter O for a zero inside numbers (PCOS_AS1_OO1).
    return text.replace("O", "0").replace("o", "0")


def ref_parts(ref: str | None) -> tuple[str | None, int | None, str | None]:
    """Read a reference as (prefix, axis number, sequence); never raises.

    ``PDEE_AS2_005`` -> ("PDEE", 2, "005"); ``PCOS_AS1_OO1`` -> ("PCOS", 1, "001") (letter O read
    as zero); ``PHCV_AS2_*`` -> ("PHCV", 2, "*"); ``Atr_EgF/H`` -> ("Atr", None, "EgF/H");
    anything else -> (None, None, None).
    """
    text = (ref or "").strip()
    numbered = _NUMBERED_REF.match(text)
    if numbered:
        seq = numbered["seq"]
        return numbered["prefix"], int(_digits(numbered["axis"])), seq if seq == "*" else _digits(seq)
    loose = _LOOSE_REF.match(text)
    if loose:
        return loose["prefix"], None, loose["seq"]
    return None, None, None


def _cells(line: str) -> list[str]:
    # Bold (a header printed in bold, converted from a PDF or Word file) is no part of a value.
    return [strip_html(cell) if "<" in cell else cell.strip() for cell in line.split("\t")]


def _value(cell: str) -> str | None:
    return cell or None


def _heading_of(text: str) -> Heading | None:
    # Headings may carry markdown or HTML emphasis in other exports.
    clean = strip_tags(text).strip("#").strip()
    if match := _TRANSVERSAL.match(clean):
        return Heading("transversal", None, _value(match["label"].strip()))
    if match := _AXIS.match(clean):
        return Heading("axis", int(match["number"]), _value(match["label"].strip()))
    if match := _PILLAR.match(clean):
        return Heading("pillar", None, match["label"].strip())
    return None


def line_heading(cells: list[str]) -> Heading | None:
    """The heading a line carries, if its only content (besides a stray "Réf" cell) is a heading."""
    content = [cell for cell in cells if cell and fold(cell) not in _HEADER_LABELS["objective_ref"]]
    if len(content) != 1:
        return None
    return _heading_of(content[0])


def _header_column(cell: str) -> str | None:
    """The column a header cell names (its folded text starts with one of the column's labels)."""
    key = fold(cell)
    if not key:
        return None
    for column, labels in _HEADER_LABELS.items():
        if column == "objective_ref":
            if key in labels:
                return column
        elif any(key == label or key.startswith(label + " ") for label in labels):
            return column
    return None


def _header_columns(cells: list[str]) -> dict[str, int]:
    """Where each known column header sits on a line (column name -> cell index)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = _header_column(cell)
        if column is not None and column != "objective_ref":
            found.setdefault(column, index)
    return found


def _is_header(cells: list[str]) -> bool:
    # A BOP and a service header on one line (two known headers at least): a single one could be an
    # objective's own words.
    found = _header_columns(cells)
    return len(found) >= 2 and ("bop_list" in found or "service_list" in found)


def _is_separator(cells: list[str]) -> bool:
    content = [cell for cell in cells if cell]
    return bool(content) and all(_SEPARATOR_CELL.match(cell) for cell in content)


def _is_ref(cell: str) -> bool:
    return bool(_REF.match(cell))


def detect(text: str) -> float:
    """Score 0..1 that ``text`` is an objectives/BOP annex, from its header cells and references."""
    signals: set[str] = set()
    refs = 0
    for line in text.splitlines():
        cells = _cells(line)
        if _is_header(cells):
            for cell in cells:
                key = fold(cell)
                signals.update(signal for signal in _KIND_SIGNALS if key.startswith(signal))
        if _NUMBERED_REF.match(cells[0]) or (_NUMERIC_REF.match(cells[0]) and len(cells) >= 4):
            refs += 1
    header_score = len(signals) / len(_KIND_SIGNALS)
    ref_score = min(1.0, refs / _REFS_FOR_FULL_SCORE)
    return round(0.5 * header_score + 0.5 * ref_score, 3)


def _fit_cells(cells: list[str], layout: dict[str, int] | None = None) -> tuple[list[str], list[str]]:
    """The cells in ``CELL_COLUMNS`` order (by the header's layout, else by position), and the
    non-empty cells that belong to no column."""
    width = len(CELL_COLUMNS)
    if layout is None:
        extra = [cell for cell in cells[width:] if cell]
        return (cells + [""] * width)[:width], extra
    fitted = [cells[layout[c]] if c in layout and layout[c] < len(cells) else "" for c in CELL_COLUMNS]
    used = set(layout.values())
    extra = [cell for index, cell in enumerate(cells) if cell and index not in used]
    return fitted, extra


def _check_width(
    result: ParseResult, context: _Context, number: int, line: str, cells: list[str]
) -> list[str]:
    fitted, extra = _fit_cells(cells, context.layout)
    if len(cells) != context.width or extra:
        lost = f"; text in no column ignored: {' | '.join(extra)!r}" if extra else ""
        result.issue(
            number,
            "warning",
            "unexpected_cell_count",
            f"{len(cells)} cells where the table has {context.width}: read by column{lost}",
            line,
        )
    return fitted


def _objective_row(
    context: _Context, cells: list[str], number: int, line: str, row_index: int
) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ROW_COLUMNS)
    row.update({column: _value(cell) for column, cell in zip(CELL_COLUMNS, cells, strict=True)})
    row.update(
        pillar=context.pillar,
        axis_number=context.axis_number,
        axis_label=context.axis_label,
        row_index=row_index,
        line_bop_fields=[_value(cells[CELL_COLUMNS.index("bop_list")])],
        line_service_fields=[_value(cells[CELL_COLUMNS.index("service_list")])],
        source_line=number,
        source_lines=[number],
        source_text=line,
    )
    return row


def _merge(owner: dict[str, Any], cells: list[str], number: int, line: str) -> None:
    for column, cell in zip(CELL_COLUMNS[1:], cells[1:], strict=True):
        if not cell:
            continue
        current = owner[column]
        if current is None:
            owner[column] = cell
        elif column in LIST_COLUMNS:
            # Appended even when equal: list positions pair BOPs with services downstream.
            owner[column] = f"{current}{LIST_JOINER}{cell}"
        elif cell != current:
            owner[column] = f"{current}{TEXT_JOINER}{cell}"
    owner["line_bop_fields"].append(_value(cells[CELL_COLUMNS.index("bop_list")]))
    owner["line_service_fields"].append(_value(cells[CELL_COLUMNS.index("service_list")]))
    owner["source_lines"].append(number)
    owner["source_text"] = f"{owner['source_text']}\n{line}"


def _read_objective(result: ParseResult, context: _Context, number: int, line: str, cells: list[str]) -> None:
    rows = result.tables[TABLE]
    fitted = _check_width(result, context, number, line, cells)
    row = _objective_row(context, fitted, number, line, len(rows) + 1)
    rows.append(row)
    context.owner = len(rows) - 1
    if row["objective_label"] is None:
        result.issue(
            number,
            "info",
            "missing_objective_label",
            f"reference {row['objective_ref']} has no objective text",
            line,
        )
    if context.pillar is None and context.axis_label is None:
        result.issue(
            number,
            "warning",
            "objective_without_heading",
            f"reference {row['objective_ref']} comes before any pillar or axis heading",
            line,
        )


def _read_continuation(
    result: ParseResult, context: _Context, number: int, line: str, cells: list[str]
) -> None:
    fitted = _check_width(result, context, number, line, cells)
    if context.owner is None:
        result.issue(
            number,
            "warning",
            "orphan_continuation",
            "a row without reference and no objective row above it in the same block: not loaded",
            line,
        )
        return
    owner = result.tables[TABLE][context.owner]
    _merge(owner, fitted, number, line)
    result.issue(
        number,
        "info",
        "row_continuation_merged",
        f"row without reference merged into {owner['objective_ref']} (line {owner['source_line']})",
        line,
    )


def _read_header(result: ParseResult, context: _Context, number: int, line: str, cells: list[str]) -> None:
    """A header row: the columns of the rows below are read where it puts them."""
    found = _header_columns(cells)
    ref_at = next((i for i, cell in enumerate(cells) if _header_column(cell) == "objective_ref"), 0)
    layout = {"objective_ref": ref_at, **found}
    positional = {column: index for index, column in enumerate(CELL_COLUMNS)}
    moved = [column for column, index in layout.items() if positional[column] != index]
    context.layout = layout if moved else None
    context.width = len(cells) if moved else len(CELL_COLUMNS)
    if moved:
        result.issue(
            number,
            "info",
            "header_layout",
            "columns read where this header puts them: "
            + ", ".join(
                f"{column} in column {index + 1}"
                for column, index in sorted(layout.items(), key=lambda kv: kv[1])
            ),
            line,
        )
    missing = [column for column in ("objective_label", "bop_list", "service_list") if column not in layout]
    if missing:
        result.issue(
            number,
            "warning",
            "header_without_column",
            f"no column for {', '.join(missing)} in this header",
            line,
        )


def _ref_index(context: _Context) -> int:
    return context.layout["objective_ref"] if context.layout else 0


def _read_line(result: ParseResult, context: _Context, number: int, line: str) -> None:
    cells = _cells(line)
    if _UNREADABLE_CHAR.search(line):
        result.issue(
            number,
            "warning",
            "unreadable_characters",
            "the line holds undecodable or control characters: read as it is",
            line,
        )
    if not any(cells) or _is_separator(cells):
        return
    found = line_heading(cells)
    if found is not None:
        context.apply(found)
    elif _is_header(cells):
        _read_header(result, context, number, line, cells)
    elif _is_ref(cells[_ref_index(context)] if _ref_index(context) < len(cells) else ""):
        _read_objective(result, context, number, line, cells)
    elif not cells[_ref_index(context) if _ref_index(context) < len(cells) else 0] and len(cells) > 1:
        _read_continuation(result, context, number, line, cells)
    elif len(cells) == 1:
        # Titles and stray text outside the table: nothing to load, but say it was seen.
        result.issue(number, "info", "free_text_ignored", "text outside the objectives table", line)
    else:
        result.issue(
            number,
            "warning",
            "unreadable_line",
            "a table line that is neither a heading, a header nor an objective row: not loaded",
            line,
        )


def parse(lines: list[str], contract: Any = None) -> ParseResult:
    """Read the objectives of an annex; never raises on bad content. ``contract``: the document's
    ``ContractMatch`` (``ingest.contracts``), recorded with the result.

    ``lines`` are the decoded lines without line endings; issue and row line numbers are 1-based
    indexes into it.
    """
    result = ParseResult(kind=KIND, tables={TABLE: []})
    if contract is not None:
        result.contract, result.contract_code = contract, contract.code
    context = _Context()
    for number, line in enumerate(lines, start=1):
        try:
            _read_line(result, context, number, line if isinstance(line, str) else str(line))
        except Exception as exc:
            # Last resort for a case no rule foresaw: one bad line must not cost the whole document.
            result.issue(number, "error", "line_not_parsed", f"line could not be parsed: {exc}", str(line))
    if not result.tables[TABLE]:
        result.issue(None, "error", "no_objective_rows", "no objective row found in the document")
    return result
