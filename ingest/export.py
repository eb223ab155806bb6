"""``cdv export scdl``: the funding lines in the French SCDL « subventions » schema.

One row per funding line of ``analytics.funding_lines``, planned (contract documents) and executed
(ANCT open data of State-funded posts), so the rows add up to exactly what the warehouse counts, in
the 14 columns of the SCDL subventions schema (OpenDataFrance, the format of
the arrêté du 17 novembre 2017; a hand-written Table Schema of it is ``ingest/schemas/scdl_subventions.json``).
The programme documents are plans, not grant conventions: they say who pays how much for which
action and when, not who receives the money nor under which decision; the open data names the
beneficiary of each post (and often its SIRET) but no convention either. What the sources do not
give is left empty, never made up, and each empty field is listed with its reason (``EMPTY_FIELDS``,
``PARTLY_EMPTY_FIELDS``).

The warehouse is a DuckDB file or a PostgreSQL server (``ingest.readers``): the same rows, in the
same order, give the same bytes. The output goes exactly to the file named (or to standard output):
no temporary file beside it, no folder created, no symbolic link followed, never the warehouse itself.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from ingest.codes import UNKNOWN_FUNDER
from ingest.query import QueryError, as_target, reader_for
from ingest.readers import Target

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "scdl_subventions.json"

SCDL_FIELDS = [
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
]

# Fields the contract documents never give, and why. Kept here so the command, the README and the
# test say the same thing.
EMPTY_FIELDS = {
    "idAttribuant": "the documents and the funders' reference table carry no SIRET for the funders",
    "dateConvention": "a programme d'actions is a plan, not a grant convention: no convention date",
    "referenceDecision": "no deliberation or decision act is referenced for a funding line",
    "conditionsVersement": "payment terms (unique / échelonné) are not stated",
    "idRAE": "the lines are not aids referenced in the Répertoire des aides aux entreprises",
    "notificationUE": "whether an aid was notified to the European Commission is not stated",
    "pourcentageSubvention": "no beneficiary split is known",
}

# Fields filled for some lines only.
PARTLY_EMPTY_FIELDS = {
    "nomBeneficiaire": "given for the ANCT posts (raison sociale); the contract documents' funding tables "
    "say who pays, not who receives",
    "idBeneficiaire": "the ANCT posts' SIRET where the open data gives a 14-digit one; none in the documents",
    "nomAttribuant": "empty where no funder could be decided (NON_IDENTIFIE)",
}

OBJET_MAX = 256
SIRET = re.compile(r"\d{14}")

_LINES_SQL = """
select
    funder_code,
    funder_name,
    contract_code,
    fiche_code,
    action_title,
    sub_action,
    amount_eur,
    is_in_kind,
    is_recurring,
    year_start,
    year_end,
    beneficiary_name,
    beneficiary_siret
from analytics.funding_lines
order by contract_code, document_file, source_line, funding_line_id
"""


class ExportError(QueryError):
    """The export cannot be written where asked (or the warehouse cannot be read)."""


@dataclass
class ExportReport:
    output: str
    rows: int = 0
    total: Decimal = Decimal("0")
    partly_empty: dict[str, int] = field(default_factory=dict)

    def notes(self) -> list[str]:
        lines = [
            f"exported {self.rows} funding lines, {self.total:.2f} € in all, to {self.output} "
            "(SCDL subventions, 14 columns, UTF-8)",
            "left empty, the sources do not give them:",
        ]
        lines += [f"  {name}: {why}" for name, why in EMPTY_FIELDS.items()]
        if self.partly_empty:
            lines.append("left empty on some lines:")
        for name, count in self.partly_empty.items():
            lines.append(f"  {name}: empty on {count} of {self.rows} lines: {PARTLY_EMPTY_FIELDS[name]}")
        return lines


def _objet(
    contract_code: str | None,
    fiche_code: str | None,
    title: str | None,
    sub_action: str | None,
    recurring: bool,
) -> str:
    if fiche_code:
        text = f"Fiche action {fiche_code}"
        if title:
            text += f" : {title.strip()}"
        if sub_action and sub_action.strip():
            text += f" – {sub_action.strip()}"
    else:  # an open-data post: its dispositif, and the contract it is reported under
        text = (title or "").strip()
        if contract_code:
            text += f" (contrat de ville {contract_code})"
    suffix = " (montant annuel)" if recurring else ""
    room = OBJET_MAX - len(suffix)
    if len(text) > room:
        text = text[: room - 1].rstrip() + "…"
    return text + suffix


def scdl_rows(where: Target | Path) -> list[dict[str, str]]:
    """The SCDL rows of the warehouse (a target, or a DuckDB file), in the order of ``_LINES_SQL``."""
    with reader_for(where) as reader:
        try:
            records = reader.rows(_LINES_SQL)
        except reader.Error as exc:
            raise ExportError(
                f"{reader.describe()}: cannot read analytics.funding_lines: {reader.explain(exc, where=False)}"
            ) from exc
    rows = []
    for (
        funder_code,
        funder_name,
        contract_code,
        fiche_code,
        title,
        sub_action,
        amount,
        in_kind,
        recurring,
        year_start,
        year_end,
        beneficiary_name,
        beneficiary_siret,
    ) in records:
        row = dict.fromkeys(SCDL_FIELDS, "")
        row["nomAttribuant"] = "" if funder_code == UNKNOWN_FUNDER else (funder_name or "")
        row["nomBeneficiaire"] = (beneficiary_name or "").strip()
        siret = (beneficiary_siret or "").strip()
        row["idBeneficiaire"] = siret if SIRET.fullmatch(siret) else ""
        row["objet"] = _objet(contract_code, fiche_code, title, sub_action, bool(recurring))
        row["montant"] = f"{Decimal(amount):.2f}"
        row["nature"] = "aide en nature" if in_kind else "aide en numéraire"
        if year_start is not None and year_end is not None:
            row["datesPeriodeVersement"] = f"{int(year_start):04d}-01-01/{int(year_end):04d}-12-31"
        rows.append(row)
    return rows


def render_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=SCDL_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _write_exactly(path: Path, text: str | bytes, db: Path | None) -> None:
    """Write `text` (or bytes) to `path` itself: no temporary file, no folder created, no link followed;
    never over the warehouse file `db` (None: the warehouse is on a server)."""
    if db is not None and path.exists() and path.resolve() == db.resolve():
        raise ExportError(f"{path} is the warehouse itself; name another output file")
    if path.is_dir():
        raise ExportError(f"{path} is a folder; name the output file")
    if not path.parent.is_dir():
        raise ExportError(f"{path.parent}: no such folder (the export does not create folders)")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ExportError(f"{path} is a symbolic link; the export writes only to a plain file") from exc
        raise ExportError(f"{path}: {exc.strerror}") from exc
    if isinstance(text, bytes):
        with os.fdopen(fd, "wb") as binary:
            binary.write(text)
        return
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def export_scdl(where: Target | Path, output: Path | None, stdout: TextIO | None = None) -> ExportReport:
    """Export the funding lines of the warehouse (a target, or a DuckDB file) to `output` (None or '-'
    for standard output)."""
    target = as_target(where)
    rows = scdl_rows(target)
    text = render_csv(rows)
    to_stdout = output is None or str(output) == "-"
    if output is None or to_stdout:
        (stdout or sys.stdout).write(text)
    else:
        _write_exactly(Path(output), text, target.db)
    report = ExportReport(output="standard output" if to_stdout else str(output))
    report.rows = len(rows)
    report.total = sum((Decimal(r["montant"]) for r in rows), Decimal("0"))
    for name in PARTLY_EMPTY_FIELDS:
        empty = sum(1 for r in rows if not r[name])
        if empty:
            report.partly_empty[name] = empty
    return report
