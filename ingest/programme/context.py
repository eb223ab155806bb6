"""What the readers of a programme document share: its lines, what was read so far, and where the
reading stands (the outline, the open fiche, the open funding table)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ingest.contracts import ContractMatch, document_territory, recognise_contract
from ingest.records import ParseResult
from ingest.territories import Territory

if TYPE_CHECKING:
    from ingest.programme.fields import Fiche

KIND = "programme_actions"


@dataclass
class Outline:
    """The pillar, axis and objective the reading is under (from the summary table and headings)."""

    pillar: str | None = None
    axis: tuple[str, str] | None = None  # (number, label)
    objective: tuple[str, str] | None = None  # ("axis-number", label)


@dataclass
class Cell:
    row_type: str
    column_index: int
    header: str | None
    parts: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(p for p in self.parts if p)


@dataclass
class Table:
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
    cells: dict[tuple[str, int], Cell] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)

    @property
    def table_id(self) -> str:
        return f"t{self.first_line:05d}"

    @property
    def note(self) -> str | None:
        return " ".join(self.notes) or None


@dataclass
class Context:
    lines: list[str]
    result: ParseResult
    territory: Territory
    outline: Outline = field(default_factory=Outline)
    # Fiche code -> its pillar, axis, objective and title in the summary table.
    summary: dict[str, dict[str, str | None]] = field(default_factory=dict)
    fiche: Fiche | None = None
    fiches: list[Fiche] = field(default_factory=list)
    field: str | None = None  # the fiche field the text goes to
    in_fields: bool = False
    in_participation: bool = False
    in_summary: bool = False
    heading: tuple[str, int] | None = None  # the sub-action heading the next table is under
    table: Table | None = None
    table_count: int = 0
    all_warned: bool = False  # "every QPV of the contract" without any QPV known: said once

    @classmethod
    def of(cls, lines: list[str], contract: ContractMatch | None = None) -> Context:
        """The context of a document: its contract (recognised when not given) and territory."""
        text = "\n".join(lines)
        match = contract if contract is not None else recognise_contract(text)
        territory = document_territory(text, match)
        result = ParseResult(kind=KIND, contract=match, contract_code=match.code)
        result.contract_qpvs = [q.code for q in territory.qpvs]
        result.contract_qpv_rule = territory.qpv_rule
        return cls(lines, result, territory)

    def text(self, number: int) -> str:
        return self.lines[number - 1]

    def issue(self, number: int | None, severity: str, rule: str, message: str) -> None:
        self.result.issue(number, severity, rule, message, self.text(number) if number else "")

    def open_fiche_code(self, code: str | None) -> Fiche | None:
        """The open fiche when it is the one of ``code`` (a table's)."""
        return self.fiche if self.fiche is not None and self.fiche.code == code else None
