"""Parser of the *programme d'actions* document kind (fiches actions with funding tables).

The document is a PDF-to-text export: markdown headings, HTML fragments and
tab-separated table lines. It is read line by line by a small state machine:

- the summary table at the top maps each fiche code to its pillar, axis and
  operational objective;
- headings (``## Axe stratégique``, ``Objectif opérationnel n°``) keep the current
  axis and objective;
- a fiche starts at ``Fiche action n° a-b-c``; its fields are ``<b>Label</b>\\tvalue``
  lines, and a value continues on the following lines (page breaks) until the
  next field, a heading or a funding table;
- a funding table starts at a header line holding ``Droit commun`` and the funder
  columns; the header carries the first row's label, so the lines after it are the
  droit commun row until a ``Crédits spécifiques`` / ``CS`` line. Lines of the same
  row split by a page break or a footnote are joined back cell by cell.

Nothing here raises on bad content: what cannot be read becomes an ``Issue``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ingest.contracts import ContractMatch, document_territory, recognise_contract
from ingest.funding import CellContext, read_cell, read_costs, sub_action_calendar, sub_action_key
from ingest.records import ParseResult
from ingest.territory import resolve, territory_part
from ingest.text import clean_block, fold, strip_html, strip_tags

KIND = "programme_actions"

# Field labels as they fold (lower case, no accents, no punctuation), in document order.
FIELD_LABELS: list[tuple[str, str]] = [
    ("convention", "convention"),
    ("articulation", "articulation"),
    ("diagnostic", "diagnostic"),
    ("objectif general", "objectif_general"),
    ("objectifs operationnels", "objectifs_operationnels"),
    ("objectif operationnel", "objectifs_operationnels"),
    ("description", "description"),
    ("territoire", "territoire"),
    ("quartiers prioritaires concernes", "territoire"),
    ("quartier", "territoire"),
    ("qpv concerne", "territoire"),
    ("perimetre", "territoire"),
    ("localisation", "territoire"),
    ("pilote", "pilotes_partenaires"),
    ("porteur", "pilotes_partenaires"),
    ("partenaires", "pilotes_partenaires"),
    ("moyens", "moyens"),
    ("budget", "moyens"),
    ("plan de financement", "moyens"),
    ("calendrier", "calendrier"),
    ("echeancier", "calendrier"),
    ("duree", "calendrier"),
    ("resultats attendus", "resultats_attendus"),
    ("indicateurs", "indicateurs"),
]
EXPECTED_FIELDS = sorted({name for _, name in FIELD_LABELS})
MOYENS_PARTS = ("humains", "financiers", "techniques")

_FICHE = re.compile(r"Fiche\s+action\s+n\s*°?\s*(\d+)\s*[-.]\s*(\d+)\s*[-.]\s*(\d+)", re.IGNORECASE)
_FIELD_LINE = re.compile(r"^\s*<b>(?P<label>[^<]*)</b>\s*(?:\t(?P<value>.*))?$")
_BOLD_FIRST_CELL = re.compile(r"^\s*<b>(?P<label>[^<]*)</b>\s*$")
_MD_HEADING = re.compile(r"^\s*#{1,6}\s+(?P<text>.+?)\s*$")
_BOLD_LINE = re.compile(r"^\s*\*\*(?P<text>[^*].*?)\*\*\s*:?\s*$")
_SEPARATOR = re.compile(r"^\s*-{2,}(\t-*)*\s*$")
_FOOTNOTE = re.compile(r"^\s*(?:(?:\\?\*){1,2}\s+\S|\(\d+\)\s|N\.?\s?B\.?\s|A noter\b)", re.IGNORECASE)
_PILLAR_HEADING = re.compile(r"^(?P<num>[IVX]+)\.\s*Pilier\s+(?P<label>.+)$", re.IGNORECASE)
_AXIS_HEADING = re.compile(r"^Axe\s+strat[ée]gique\s+(?P<num>\d+)\s*:?\s*(?P<label>.*)$", re.IGNORECASE)
_OBJECTIVE_HEADING = re.compile(
    r"^Objectif\s+op[ée]rationnel\s+n\s*°?\s*(?P<axis>\d+)\s*[-.]\s*(?P<num>\d+)[-\s]*:?\s*(?P<label>.*)$",
    re.IGNORECASE,
)
_SUMMARY_PILLAR = re.compile(r"^(?P<num>[IVX]+)\.\s+(?P<label>.+)$")
_SUMMARY_AXIS = re.compile(r"^Axe\s+(?P<num>\d+)\s+(?P<label>.+)$", re.IGNORECASE)
_SUMMARY_OBJECTIVE = re.compile(r"^(?P<axis>\d+)[.-](?P<num>\d+)\s+(?P<label>.+)$")
_SUMMARY_FICHES = re.compile(r"^\d+[.-]\d+[.-]\d+(?:[\s,;]+\d+[.-]\d+[.-]\d+)*$")
_COST_TOTAL = re.compile(r"co[uû]t\s+total", re.IGNORECASE)
_COST_TOTAL_LABEL = re.compile(
    r"^(?P<label>co[uû]t\s+total\s+(?:de\s+l['’]\s*\w+)?)\s*:?\s*(?P<rest>.*)$", re.IGNORECASE
)
_MOYENS_SPLIT = re.compile(r"Moyens\s+(humains|financiers|techniques)\s*:?", re.IGNORECASE)
_TITLE = re.compile(r"Intitul[ée]\s+de\s+l['’]action\s*:?", re.IGNORECASE)


def detect(text: str) -> float:
    """How much the text looks like a programme d'actions (0..1), from its content."""
    fiches = len(_FICHE.findall(text))
    headers = len(re.findall(r"Co[uû]t de l['’]action", text))
    rows = len(re.findall(r"Cr[ée]dits sp[ée]cifiques", text))
    score = 0.0
    if fiches:
        score += 0.5
    if headers:
        score += 0.3
    if rows or re.search(r"Droit commun", text):
        score += 0.2
    return min(score, 1.0)


def _cells(line: str) -> list[str]:
    return line.split("\t")


def _is_header(cells: list[str]) -> bool:
    """A funding table's header: "Droit commun" (the first row's label) then three columns or more;
    or, in other writers' tables, a "Coût de l'action" first cell then three funder columns or more."""
    folded = [fold(strip_tags(c)) for c in cells]
    if "droit commun" in folded:
        after = folded[folded.index("droit commun") + 1 :]
        # A "Droit commun" row whose cells hold money is the first row, not a header.
        return sum(1 for c in after if c) >= 3 and not any("€" in c for c in cells)
    if folded and folded[0] in ("cout de l action", "cout", "cout total", "cout de l operation"):
        return sum(1 for c in folded[1:] if c and not any(ch.isdigit() for ch in c)) >= 3
    return False


def _row_label(cells: list[str]) -> str | None:
    """The row type a table line declares in its label column, if any."""
    if len(cells) < 2:
        return None
    label = fold(strip_tags(cells[1]))
    if label in ("credits specifiques", "cs", "credit specifique"):
        return "credits_specifiques"
    if label == "droit commun":
        return "droit_commun"
    return None


def _is_cost_header(header: str | None) -> bool:
    return fold(strip_tags(header or "")).startswith(("cout", "budget", "montant total"))


def _is_cost_label(cell: str) -> bool:
    return fold(strip_tags(cell)) in ("cout de l action", "")


@dataclass
class _Cell:
    row_type: str
    column_index: int
    header: str | None
    parts: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


@dataclass
class _Table:
    index: int
    fiche_code: str | None
    sub_action: str | None
    sub_action_line: int | None
    headers: list[str]
    first_line: int
    last_line: int
    row_type: str = "droit_commun"
    # The header line carries the first row's label ("Droit commun"), as in the bundled layout.
    header_has_row_label: bool = True
    cells: dict[tuple[str, int], _Cell] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


@dataclass
class _Fiche:
    code: str
    line: int
    title: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)
    field_numbers: dict[str, list[int]] = field(default_factory=dict)
    last_line: int = 0
    axis_heading: tuple[str, str] | None = None
    objective_heading: tuple[str, str] | None = None
    participation: list[str] = field(default_factory=list)
    tables: int = 0
    # The document ends inside this fiche: one truncation issue says so instead of one per missing part.
    truncated: bool = False


class _Parser:
    def __init__(self, lines: list[str], contract: ContractMatch | None = None) -> None:
        self.lines = lines
        self.result = ParseResult(kind=KIND)
        text = "\n".join(lines)
        match = contract if contract is not None else recognise_contract(text)
        self.territory = document_territory(text, match)
        self.result.contract = match
        self.result.contract_code = match.code
        self.result.contract_qpvs = [q.code for q in self.territory.qpvs]
        self.result.contract_qpv_rule = self.territory.qpv_rule
        self.summary: dict[str, dict[str, str | None]] = {}
        self.pillar: str | None = None
        self.axis: tuple[str, str] | None = None
        self.objective: tuple[str, str] | None = None
        self.fiche: _Fiche | None = None
        self.fiches: list[_Fiche] = []
        self.field: str | None = None
        self.in_fields = False
        self.heading: tuple[str, int] | None = None
        self.table: _Table | None = None
        self.table_count = 0
        self.in_participation = False
        self.in_summary = False
        self.all_warned = False

    # -- helpers ---------------------------------------------------------------------------------
    def text(self, number: int) -> str:
        return self.lines[number - 1]

    def issue(self, number: int | None, severity: str, rule: str, message: str) -> None:
        source = self.text(number) if number else ""
        self.result.issue(number, severity, rule, message, source)

    # -- summary table ---------------------------------------------------------------------------
    def read_summary_row(self, cells: list[str]) -> None:
        fiche_codes: list[str] = []
        titles: list[str] = []
        for raw in cells:
            cell = strip_tags(raw)
            if not cell:
                continue
            if match := _SUMMARY_FICHES.match(cell):
                fiche_codes = [code.replace(".", "-") for code in re.split(r"[\s,;]+", match.group(0))]
            elif fiche_codes:
                titles.append(cell)
            elif match := _SUMMARY_AXIS.match(cell):
                self.axis = (match["num"], match["label"].strip())
            elif match := _SUMMARY_OBJECTIVE.match(cell):
                self.objective = (f"{match['axis']}-{match['num']}", match["label"].strip())
            elif match := _SUMMARY_PILLAR.match(cell):
                self.pillar = cell
        for code in fiche_codes:
            self.summary[code] = {
                "pillar": self.pillar,
                "axis_code": self.axis[0] if self.axis else None,
                "axis_label": self.axis[1] if self.axis else None,
                "objective_code": self.objective[0] if self.objective else None,
                "objective_label": self.objective[1] if self.objective else None,
                # Several fiches on one summary row share a run-together title cell: not usable.
                "title": " ".join(titles) if len(fiche_codes) == 1 and titles else None,
            }

    # -- fiches ----------------------------------------------------------------------------------
    def start_fiche(self, number: int, match: re.Match[str], line: str) -> None:
        self.close_fiche()
        code = f"{match.group(1)}-{match.group(2)}-{match.group(3)}"
        fiche = _Fiche(code=code, line=number, last_line=number)
        title_at = _TITLE.search(line)
        if title_at:
            fiche.title = strip_tags(line[title_at.end() :])
        else:
            # "Fiche action n° 4.1.1 : Accès à la pratique sportive": the title after the code.
            after = strip_tags(line[match.end() :]).strip(" :–-*#\t")
            if len(after) >= 3:
                fiche.title = after
        fiche.axis_heading = self.axis
        fiche.objective_heading = self.objective
        if any(f.code == code for f in self.fiches):
            self.issue(number, "warning", "duplicate_fiche_code", f"fiche {code} appears a second time")
        self.fiche = fiche
        self.field = None
        self.in_fields = True
        self.heading = None
        self.in_participation = False

    def add_field(self, name: str, value: str, number: int) -> None:
        assert self.fiche is not None
        if name in self.fiche.fields and name != "objectifs_operationnels":
            self.issue(
                number,
                "warning",
                "repeated_field",
                f"field '{name}' appears twice in fiche {self.fiche.code}",
            )
        self.fiche.fields.setdefault(name, []).append(value)
        self.fiche.field_lines.setdefault(name, number)
        self.fiche.field_numbers.setdefault(name, []).append(number)
        self.field = name
        self.fiche.last_line = number

    def continue_field(self, value: str, number: int) -> None:
        assert self.fiche is not None
        if self.field is None:
            if not self.fiche.title and strip_tags(value):
                self.fiche.title = strip_tags(value)
            else:
                self.issue(
                    number, "info", "text_before_fields", "text between a fiche title and its first field"
                )
            self.fiche.last_line = number
            return
        self.fiche.fields[self.field].append(value)
        self.fiche.field_numbers[self.field].append(number)
        self.fiche.last_line = number

    def close_fiche(self) -> None:
        self.close_table()
        if self.fiche is None:
            return
        fiche = self.fiche
        self.fiches.append(fiche)
        self.fiche = None
        self.in_fields = False
        self.emit_fiche(fiche)
        self.check_cost_items(fiche)

    def check_cost_items(self, fiche: _Fiche) -> None:
        """The document's own arithmetic: one-off cost items against the fiche's stated total."""
        costs = [c for c in self.result.tables.get("action_costs", []) if c["fiche_code"] == fiche.code]
        totals = [c for c in costs if c["cost_kind"] == "total"]
        items = [c for c in costs if c["cost_kind"] == "item" and not c["is_recurring"]]
        if len(totals) != 1 or not items:
            return
        total, summed = totals[0]["amount_eur"], sum(c["amount_eur"] for c in items)
        if summed == total:
            return
        # Items below the total are often a partial list ("+ location des locaux..."): said, not alarmed.
        severity = "warning" if summed > total else "info"
        self.issue(
            totals[0]["source_line"],
            severity,
            "cost_items_total_mismatch",
            f"fiche {fiche.code}: the cost items add up to {summed} € but the stated total is {total} €",
        )

    def emit_fiche(self, fiche: _Fiche) -> None:
        summary = self.summary.get(fiche.code, {})
        if not summary and self.summary:
            self.issue(
                fiche.line,
                "warning",
                "fiche_not_in_summary",
                f"fiche {fiche.code} is not in the summary table",
            )
        values = {name: clean_block("\n".join(parts)) or None for name, parts in fiche.fields.items()}
        moyens = values.get("moyens") or ""
        parts = _split_moyens(moyens)
        axis_code, objective_code = fiche.code.split("-")[0], "-".join(fiche.code.split("-")[:2])
        for name in EXPECTED_FIELDS:
            if name not in fiche.fields and not fiche.truncated:
                self.issue(fiche.line, "info", "missing_field", f"fiche {fiche.code} has no '{name}' field")
        if summary.get("objective_code") and summary["objective_code"] != objective_code:
            self.issue(
                fiche.line,
                "warning",
                "objective_mismatch",
                f"fiche {fiche.code} is listed under objective {summary['objective_code']} in the summary",
            )
        if fiche.objective_heading and fiche.objective_heading[0] != objective_code:
            self.issue(
                fiche.line,
                "warning",
                "objective_mismatch",
                f"fiche {fiche.code} sits under the heading of objective {fiche.objective_heading[0]}",
            )
        if not fiche.title:
            self.issue(fiche.line, "warning", "missing_title", f"fiche {fiche.code} has no title")
        row: dict[str, Any] = {
            "fiche_code": fiche.code,
            "title": fiche.title or summary.get("title"),
            "pillar": summary.get("pillar") or self.pillar,
            "axis_code": summary.get("axis_code") or axis_code,
            "axis_label": summary.get("axis_label")
            or (fiche.axis_heading[1] if fiche.axis_heading else None),
            "axis_heading_label": fiche.axis_heading[1] if fiche.axis_heading else None,
            "objective_code": summary.get("objective_code") or objective_code,
            "objective_label": summary.get("objective_label")
            or (fiche.objective_heading[1] if fiche.objective_heading else None),
            "objective_heading_label": fiche.objective_heading[1] if fiche.objective_heading else None,
            "moyens_humains": parts.get("humains"),
            "moyens_financiers": parts.get("financiers"),
            "moyens_techniques": parts.get("techniques"),
            "participation_habitants": clean_block("\n".join(fiche.participation)) or None,
            "first_line": fiche.line,
            "last_line": fiche.last_line,
            "source_line": fiche.line,
            "source_text": self.text(fiche.line),
        }
        for name in EXPECTED_FIELDS:
            row[name] = values.get(name)
        self.result.add("fiches", row)
        self.read_cost_items(fiche, parts)
        if fiche.tables == 0 and not fiche.truncated:
            self.issue(
                fiche.line,
                "info",
                "fiche_without_funding_table",
                f"fiche {fiche.code} has no funding table: its fields are loaded, no funding line comes from it",
            )

    def read_cost_items(self, fiche: _Fiche, parts: dict[str, str | None]) -> None:
        """Cost items of 'Moyens financiers' and 'Moyens techniques': amounts there are costs, not funding."""
        numbers = fiche.field_numbers.get("moyens", [])
        for part in ("financiers", "techniques"):
            text = parts.get(part)
            if not text:
                continue
            rows, issues = read_costs(text.replace("\n", " "), f"moyens_{part}")
            for n, row in enumerate(rows, start=1):
                line = next(
                    (k for k in numbers if row["amount_text"] in strip_html(self.text(k))),
                    fiche.field_lines["moyens"],
                )
                row.update(
                    cost_id=f"{fiche.code}:{part[:3]}:{n}",
                    fiche_code=fiche.code,
                    source_line=line,
                    source_text=self.text(line),
                )
                self.result.add("action_costs", row)
            for severity, rule, message in issues:
                self.issue(fiche.field_lines["moyens"], severity, rule, f"moyens {part}: {message}")

    # -- tables ----------------------------------------------------------------------------------
    def open_table(self, number: int, cells: list[str]) -> None:
        self.close_table()
        self.in_fields = False
        self.in_participation = False
        headers = [strip_tags(c) for c in cells]
        heading = self.heading
        self.table_count += 1
        if self.fiche is None:
            self.issue(number, "warning", "table_outside_fiche", "a funding table before any fiche")
        else:
            self.fiche.tables += 1
            self.fiche.last_line = number
        self.table = _Table(
            index=self.table_count,
            fiche_code=self.fiche.code if self.fiche else None,
            sub_action=heading[0] if heading else None,
            sub_action_line=heading[1] if heading else None,
            headers=headers,
            first_line=number,
            last_line=number,
            lines=[number],
            header_has_row_label="droit commun" in [fold(h) for h in headers],
        )
        self.heading = None
        # A header line can also carry cells of the first row beyond its labels (not seen, but
        # collapsed cells would put them there): they would be lost silently, so report them.

    def add_row_line(self, number: int, cells: list[str]) -> None:
        table = self.table
        assert table is not None
        declared = _row_label(cells)
        if declared:
            table.row_type = declared
        elif len(cells) > 1 and strip_tags(cells[1]):
            # Text in the label column that is not a row type: keep it as a cell of its own.
            self.add_cell(table, number, 1, cells[1])
        if cells and not _is_cost_label(cells[0]):
            self.add_cell(table, number, 0, cells[0])
        for position in range(2, len(cells)):
            if strip_tags(cells[position]):
                self.add_cell(table, number, position, cells[position])
        table.last_line = number
        table.lines.append(number)
        if self.fiche:
            self.fiche.last_line = number

    def add_cell(self, table: _Table, number: int, position: int, raw: str) -> None:
        header = table.headers[position] if position < len(table.headers) else None
        if position >= len(table.headers):
            self.issue(
                number,
                "warning",
                "cell_beyond_headers",
                f"a cell in column {position + 1} but the table has {len(table.headers)} columns: "
                "kept without header, so without the column's funder",
            )
        key = (table.row_type, position)
        cell = table.cells.get(key)
        if cell is None:
            cell = table.cells[key] = _Cell(table.row_type, position, header or None)
        cell.parts.append(strip_html(raw))
        if number not in cell.lines:
            cell.lines.append(number)

    def close_table(self) -> None:
        table = self.table
        if table is None:
            return
        self.table = None
        table_id = f"t{table.first_line:05d}"
        self.result.add(
            "funding_tables",
            {
                "table_id": table_id,
                "fiche_code": table.fiche_code,
                "table_index": table.index,
                "sub_action": table.sub_action,
                "sub_action_line": table.sub_action_line,
                "headers": table.headers,
                "note": " ".join(table.notes) or None,
                "first_line": table.first_line,
                "last_line": table.last_line,
                "source_line": table.first_line,
                "source_text": self.text(table.first_line),
            },
        )
        self.emit_targets(table, table_id)
        for (row_type, position), cell in sorted(
            table.cells.items(), key=lambda kv: (kv[1].lines[0], kv[0][1])
        ):
            if len(cell.lines) > 1:
                self.issue(
                    cell.lines[0],
                    "info",
                    "cell_joined",
                    f"cell '{cell.header}' ({row_type}) continued on lines {cell.lines[1:]}: joined",
                )
            self.result.add(
                "funding_cells",
                {
                    "cell_id": f"{table_id}:{row_type[:2]}:{position}",
                    "table_id": table_id,
                    "fiche_code": table.fiche_code,
                    "row_type": row_type,
                    "column_index": position,
                    "column_header": cell.header,
                    "raw_text": " ".join(p for p in cell.parts if p),
                    "source_line": cell.lines[0],
                    "source_lines": cell.lines,
                    "source_text": "\n".join(self.text(n) for n in cell.lines),
                },
            )
            if position == 0 and _is_cost_header(cell.header):
                self.read_table_cost(table, table_id, row_type, cell)
            else:
                self.read_money(table, table_id, row_type, position, cell)

    def emit_targets(self, table: _Table, table_id: str) -> None:
        """The QPVs the table's money goes to: its sub-action's part of the territory text, else all of it."""
        fiche = self.fiche if self.fiche is not None and self.fiche.code == table.fiche_code else None
        territory = clean_block("\n".join(fiche.fields.get("territoire", []))) if fiche else ""
        text = territory_part(territory, sub_action_key(table.sub_action)) or territory
        line = fiche.field_lines.get("territoire") if fiche else None
        matches = resolve(text, self.territory)
        if territory and not matches:
            self.issue(
                line,
                "warning",
                "territory_not_resolved",
                f"no QPV of the contract or known place in the territory of fiche {table.fiche_code}: "
                f"'{text[:80]}': its money goes to HORS_QPV",
            )
        elif any(m.qpv_code == "NONE" for m in matches) and not any(
            m.qpv_code.startswith("Q") for m in matches
        ):
            self.issue(
                line,
                "info",
                "territory_outside_qpv",
                f"the territory of fiche {table.fiche_code} names a place that is not a QPV "
                f"('{text[:80]}'): its money goes to HORS_QPV",
            )
        for match in matches:
            if match.match_kind == "outside_contract":
                self.issue(
                    line,
                    "info",
                    "qpv_outside_contract_list",
                    f"{match.qpv_code} ({match.alias}) is named in fiche {table.fiche_code} but its commune was not "
                    "known to be the contract's: taken as one of the contract's QPVs",
                )
                if match.qpv_code not in self.result.contract_qpvs:
                    self.result.contract_qpvs.append(match.qpv_code)
            if match.qpv_code == "ALL" and not self.territory.qpvs and not self.all_warned:
                self.all_warned = True
                self.issue(
                    line,
                    "warning",
                    "contract_qpvs_unknown",
                    f"'{match.alias}' means every QPV of the contract, but no QPV of "
                    f"{self.result.contract_code or 'an unknown contract'} is in the reference "
                    "(add its région's QPV list to reference/qpv/): that money goes to HORS_QPV",
                )
        targets: list[tuple[str, str, str | None]] = [(m.qpv_code, m.match_kind, m.alias) for m in matches]
        targets = targets or [("NONE", "unspecified", None)]
        for n, (code, kind, alias) in enumerate(targets, start=1):
            self.result.add(
                "territory_targets",
                {
                    "target_id": f"{table_id}:q{n}",
                    "fiche_code": table.fiche_code,
                    "table_id": table_id,
                    "territory_text": text or None,
                    "qpv_code": code,
                    "match_kind": kind,
                    "alias": alias,
                    "source_line": line or table.first_line,
                    "source_text": self.text(line or table.first_line),
                },
            )

    def read_table_cost(self, table: _Table, table_id: str, row_type: str, cell: _Cell) -> None:
        """An amount written in the "Coût de l'action" cell of a row: the action's cost, not funding."""
        text = " ".join(p for p in cell.parts if p)
        rows, issues = read_costs(text, "table")
        for n, row in enumerate(rows, start=1):
            row.update(
                cost_id=f"{table_id}:{row_type[:2]}:cost:{n}",
                fiche_code=table.fiche_code,
                cost_kind="total" if row["cost_kind"] == "item" else row["cost_kind"],
                label=(table.sub_action or "Coût de l'action")
                + (f" : {row['label']}" if row["label"] else ""),
                source_line=cell.lines[0],
                source_text="\n".join(self.text(n) for n in cell.lines),
            )
            self.result.add("action_costs", row)
        for severity, rule, message in issues:
            self.issue(cell.lines[0], severity, rule, f"{cell.header}: {message}")

    def read_money(self, table: _Table, table_id: str, row_type: str, position: int, cell: _Cell) -> None:
        """Funding lines and pledges of one cell (see ingest.funding)."""
        calendar_text = None
        if self.fiche is not None and self.fiche.code == table.fiche_code:
            calendar_text = clean_block("\n".join(self.fiche.fields.get("calendrier", []))) or None
        context = CellContext(
            column_header=cell.header,
            row_type=row_type,
            territory=self.territory,
            neighbour_headers=tuple(
                table.headers[index] if 0 <= index < len(table.headers) else None
                for index in (position - 1, position + 1)
            ),
            calendar=sub_action_calendar(calendar_text, table.sub_action),
            note=" ".join(table.notes) or None,
        )
        text = " ".join(p for p in cell.parts if p)
        reading = read_cell(text, context)
        cell_id = f"{table_id}:{row_type[:2]}:{position}"
        base = {
            "cell_id": cell_id,
            "table_id": table_id,
            "fiche_code": table.fiche_code,
            "sub_action": table.sub_action,
            "row_type": row_type,
            "column_header": cell.header,
            "source_line": cell.lines[0],
            "source_text": "\n".join(self.text(n) for n in cell.lines),
        }
        for line in reading.lines:
            if not line["amount_eur"] or line["amount_eur"] <= 0:
                # "0 €" is no money: a funding line is an amount a funder puts in. Said, not loaded.
                self.issue(
                    cell.lines[0],
                    "warning",
                    "zero_amount",
                    f"{cell.header or 'cell'} ({row_type}): '{line['amount_text']}' is no money: "
                    "not a funding line",
                )
                continue
            parts = line.pop("dont_parts", [])
            row = dict(base, column_index=position, **line)
            row["line_id"] = f"{cell_id}:{line['line_index']}"
            self.result.add("funding_lines", row)
            for n, part in enumerate(parts, start=1):
                self.result.add(
                    "funding_line_parts",
                    {
                        "part_id": f"{row['line_id']}:d{n}",
                        "line_id": row["line_id"],
                        "part_index": n,
                        "part_kind": "dont",
                        **part,
                        "source_line": cell.lines[0],
                        "source_text": base["source_text"],
                    },
                )
        for n, pledge in enumerate(reading.pledges, start=1):
            self.result.add("funding_pledges", dict(base, pledge_id=f"{cell_id}:p{n}", **pledge))
        for severity, rule, message in reading.issues:
            self.issue(cell.lines[0], severity, rule, f"{cell.header or 'cell'} ({row_type}): {message}")

    # -- main loop -------------------------------------------------------------------------------
    def handle_heading(self, text: str, number: int) -> None:
        plain = strip_tags(text)
        if match := _PILLAR_HEADING.match(plain):
            self.close_fiche()
            self.pillar = f"{match['num']}. {match['label'].strip()}"
            return
        if match := _AXIS_HEADING.match(plain):
            self.close_fiche()
            self.axis = (match["num"], match["label"].strip())
            return
        if match := _OBJECTIVE_HEADING.match(plain):
            self.close_fiche()
            self.objective = (f"{match['axis']}-{match['num']}", match["label"].strip(" *:"))
            return
        self.close_table()
        self.in_fields = False
        if "participation des habitants" in fold(plain):
            self.in_participation = True
            self.heading = None
            if self.fiche:
                self.fiche.participation.append(plain)
            return
        self.in_participation = False
        self.heading = (plain.rstrip(" :"), number)

    def cost_total(self, line: str, number: int) -> None:
        self.close_table()
        self.in_fields = False
        plain = strip_tags(line).strip(" *")
        match = _COST_TOTAL_LABEL.match(plain)
        label, rest = (match["label"], match["rest"]) if match else (plain, plain)
        if self.fiche is None:
            self.issue(number, "warning", "total_outside_fiche", "a cost total before any fiche")
        else:
            self.fiche.last_line = number
        self.result.add(
            "action_totals",
            {
                "fiche_code": self.fiche.code if self.fiche else None,
                "label": label.strip(),
                "amount_text": rest.strip(" :") or None,
                "source_line": number,
                "source_text": line,
            },
        )
        rows, issues = read_costs(rest, "total")
        if not rows:
            self.issue(
                number,
                "warning",
                "total_without_amount",
                "a cost total line with no amount that could be read",
            )
        for n, row in enumerate(rows, start=1):
            row.update(
                cost_id=f"total:{number}:{n}",
                fiche_code=self.fiche.code if self.fiche else None,
                label=label.strip() + (f" : {row['label']}" if row["label"] else ""),
                source_line=number,
                source_text=line,
            )
            self.result.add("action_costs", row)
        for severity, rule, message in issues:
            self.issue(number, severity, rule, message)

    def line(self, number: int, line: str) -> None:
        stripped = line.strip()
        cells = _cells(line)
        if not stripped:
            return
        if _SEPARATOR.match(line):
            return
        if re.match(r"^\s*PILIER\t", line):
            self.in_summary = True
            return
        if self.in_summary and self.fiche is None and "\t" in line and not _MD_HEADING.match(line):
            self.read_summary_row(cells)
            return
        self.in_summary = False
        match = _FICHE.search(line)
        if match and ("<b>" in line or line.lstrip().startswith(("Fiche", "**", "#"))):
            self.start_fiche(number, match, line)
            return
        row_of_open_table = (
            self.table is not None and _row_label(cells) is not None and not self.table.lines[1:]
        )
        if _is_header(cells) and not (
            row_of_open_table and self.table is not None and not self.table.header_has_row_label
        ):
            self.open_table(number, cells)
            return
        if self.table is not None:
            if (
                line.startswith("\t")
                or (cells and fold(strip_tags(cells[0])) == "cout de l action")
                # A row whose "Coût de l'action" cell holds the cost: it does not start with a tab.
                or (len(cells) >= 4 and not _FIELD_LINE.match(line) and not _FICHE.search(line))
            ):
                self.add_row_line(number, cells)
                return
            if _FOOTNOTE.match(line) and not _COST_TOTAL.search(line):
                self.table.notes.append(strip_tags(line))
                self.issue(
                    number, "info", "footnote_in_table", "a footnote inside a funding table: kept as its note"
                )
                return
        # A cost total stands on its own line; inside a fiche's fields only a line that starts
        # with it is one (the words can also occur within a field's text).
        if _COST_TOTAL.search(line) and (
            not self.in_fields or _COST_TOTAL.match(strip_tags(line).strip(" *#"))
        ):
            self.cost_total(line, number)
            return
        plain = strip_tags(line)
        if not line.startswith("<b>") and (_OBJECTIVE_HEADING.match(plain) or _AXIS_HEADING.match(plain)):
            # Objective headings are often only half bold ("**Objectif opérationnel n°1-1:** label").
            self.handle_heading(line, number)
            return
        heading = _MD_HEADING.match(line) or _BOLD_LINE.match(line)
        if heading:
            self.handle_heading(heading["text"], number)
            return
        if _row_label(cells) and self.table is None:
            self.issue(number, "warning", "row_outside_table", "a funding row with no table header above it")
            return
        if self.fiche is None:
            return
        field_match = _FIELD_LINE.match(line) if "\t" in line else _BOLD_FIRST_CELL.match(line)
        if field_match and self.in_fields:
            name = _field_name(field_match["label"])
            if name:
                self.add_field(name, field_match.groupdict().get("value") or "", number)
                return
            # A label split by a page break ("Pilotes /partenaires" ... "associés"): same field.
            self.continue_field(line, number)
            return
        if self.in_fields and "\t" in line and "<b>" not in line:
            # Other exports lose the bold of the labels: "Quartiers concernés<TAB>Empalot ..." is a
            # field when its first cell is a field's label and nothing else.
            label, _, value = line.partition("\t")
            name = _field_name(strip_tags(label)) if len(strip_tags(label)) <= 60 else None
            if name:
                self.add_field(name, value.strip(), number)
                return
        if self.in_fields:
            self.continue_field(line, number)
            return
        if self.in_participation:
            self.fiche.participation.append(line)
            self.fiche.last_line = number
            return
        if "participation des habitants" in fold(stripped):
            self.in_participation = True
            self.fiche.participation.append(line)
            self.fiche.last_line = number
            return
        self.issue(
            number, "info", "unattached_text", "text after a fiche's fields that belongs to no field or table"
        )

    def check_truncation(self) -> None:
        """A document that stops inside a fiche's fields or inside a funding table was cut short.

        A fiche normally ends with its funding tables or its cost total, and every table of the
        documents has its "Crédits spécifiques" row: ending before either is what a truncated export
        looks like. Said once, at the last line, instead of an issue per missing field.
        """
        fiche, last = self.fiche, len(self.lines)
        if fiche is None or not last:
            return
        table = self.table
        if table is not None and table.row_type != "credits_specifiques":
            fiche.truncated = True
            self.issue(
                last,
                "warning",
                "truncated_document",
                f"the document ends inside the funding table of fiche {fiche.code} opened at line "
                f"{table.first_line}, before its 'Crédits spécifiques' row: it looks truncated; "
                "the cells read so far are kept",
            )
        elif table is None and self.in_fields and fiche.tables == 0:
            fiche.truncated = True
            order = list(dict.fromkeys(name for _, name in FIELD_LABELS))
            seen = [order.index(name) for name in fiche.fields if name in order]
            after = [name for name in order[max(seen) + 1 :]] if seen else order
            missing = [name for name in after if name not in fiche.fields]
            where = f"in its '{self.field}' field" if self.field else "before its first field"
            without = f"without its fields {', '.join(repr(m) for m in missing)} and " if missing else ""
            self.issue(
                last,
                "warning",
                "truncated_document",
                f"the document ends inside fiche {fiche.code} (line {fiche.line}), {where}, {without}"
                "without a funding table: it looks truncated; what was read of the fiche is kept",
            )

    def run(self) -> ParseResult:
        for number, line in enumerate(self.lines, start=1):
            try:
                self.line(number, line)
            except Exception as exc:  # noqa: BLE001 - a parser reports, it never raises
                self.issue(number, "error", "unreadable_line", f"line could not be read: {exc!r}")
        try:
            self.check_truncation()
        except Exception as exc:  # noqa: BLE001 - a parser reports, it never raises
            self.issue(
                None, "error", "unreadable_line", f"the end of the document could not be read: {exc!r}"
            )
        self.close_fiche()
        if not self.fiches:
            self.issue(None, "error", "no_fiche", "no 'Fiche action n°' found in the document")
        _report_duplicate_texts(self)
        return self.result


def _field_name(label: str) -> str | None:
    key = fold(label)
    for prefix, name in FIELD_LABELS:
        if key.startswith(prefix):
            return name
    return None


def _split_moyens(text: str) -> dict[str, str | None]:
    """Split the 'Moyens humains, financiers et techniques' text on its inner labels."""
    parts: dict[str, str | None] = {}
    marks = list(_MOYENS_SPLIT.finditer(text))
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        value = text[mark.end() : end].strip(" \n:")
        parts[mark.group(1).lower()] = value or None
    return parts


def _report_duplicate_texts(parser: _Parser) -> None:
    """A fiche whose text repeats another's word for word is likely a copy-paste in the source."""
    seen: dict[str, str] = {}
    for row in parser.result.tables.get("fiches", []):
        key = fold(
            " ".join(row.get(name) or "" for name in ("diagnostic", "objectif_general", "description"))
        )
        if not key:
            continue
        if key in seen:
            parser.result.issue(
                row["source_line"],
                "warning",
                "duplicate_fiche_text",
                f"fiche {row['fiche_code']} repeats the text of fiche {seen[key]} word for word",
                row["source_text"],
            )
        else:
            seen[key] = row["fiche_code"]


def parse(lines: list[str], contract: ContractMatch | None = None) -> ParseResult:
    return _Parser(lines, contract).run()
