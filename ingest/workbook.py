"""``cdv export xlsx``: the analyst's first question as a workbook, funder × QPV × year.

Three sheets, read from ``analytics.funding_by_qpv_year`` (the shares ``marts.fct_funding`` gives each
QPV and year, planned from the contract documents, executed from the ANCT open data):

- **Lisez-moi**: where the figures come from, when the warehouse was built, the totals, what
  "ciblé" and "partagé" mean;
- **Financeur x QPV x année**: one row per contract, kind (prévu / exécuté), funder (and the funder
  it rolls up to), QPV, year and allocation, the amount as a number in euros (a filter on every
  column, the header frozen);
- **Tableau croisé**: the planned money, funder × QPV down, years across, with totals.

The figures are numbers (the sheet formats them), so the workbook's sums are the warehouse's. The
file is written exactly where named, never over the warehouse (``export._write_exactly``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ingest import labels
from ingest.export import ExportError, _write_exactly
from ingest.query import open_read_only
from ingest.warehouse import scalar

FLAT_COLUMNS = (
    "contract_code",
    "contract_name",
    "funding_kind",
    "root_funder_code",
    "root_funder_name",
    "funder_code",
    "funder_name",
    "funder_type",
    "qpv_code",
    "qpv_name",
    "commune_name",
    "funding_year",
    "qpv_allocation",
    "amount_eur",
    "funding_line_count",
)

_FLAT_SQL = """
select
    contract_code, contract_name, funding_kind, root_funder_code, root_funder_name,
    funder_code, funder_name, funder_type, qpv_code, qpv_name, commune_name, funding_year,
    qpv_allocation, sum(amount_eur) as amount_eur, count(distinct funding_line_id) as funding_line_count
from analytics.funding_by_qpv_year
where ($contract_code is null or contract_code = $contract_code)
group by all
order by funding_kind desc, contract_code, root_funder_code, funder_code, qpv_code, funding_year
"""

EURO_FORMAT = '#,##0.00 "€"'


@dataclass
class WorkbookReport:
    output: str
    rows: int
    planned_eur: Decimal
    executed_eur: Decimal

    def notes(self) -> list[str]:
        return [
            f"wrote {self.output}: {self.rows} rows funder × QPV × year, "
            f"planned {labels.eur(self.planned_eur)}, executed {labels.eur(self.executed_eur)}"
        ]


def _rows(db: Path, contract: str | None) -> tuple[list[tuple[Any, ...]], str]:
    con = open_read_only(db)
    try:
        try:
            rows = con.execute(_FLAT_SQL, {"contract_code": contract}).fetchall()
        except Exception as exc:  # noqa: BLE001 - a warehouse without the analytics schema
            raise ExportError(
                f"{db}: cannot read analytics.funding_by_qpv_year ({exc}): run `cdv build`"
            ) from exc
        built = scalar(con, "select max(loaded_at) from raw.documents")
    finally:
        con.close()
    return rows, str(built)[:19] if built else "?"


def workbook_bytes(db: Path, contract: str | None = None) -> tuple[bytes, WorkbookReport]:
    import xlsxwriter

    rows, built = _rows(db, contract)
    if contract and not rows:
        raise ExportError(f"no funding of contract {contract} in {db}")
    index = {name: i for i, name in enumerate(FLAT_COLUMNS)}
    planned = sum((r[index["amount_eur"]] for r in rows if r[index["funding_kind"]] == "planned"), Decimal(0))
    executed = sum(
        (r[index["amount_eur"]] for r in rows if r[index["funding_kind"]] == "executed"), Decimal(0)
    )
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    money = book.add_format({"num_format": EURO_FORMAT})
    money_bold = book.add_format({"num_format": EURO_FORMAT, "bold": True})
    header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF4"})

    readme = book.add_worksheet("Lisez-moi")
    readme.set_column(0, 0, 28)
    readme.set_column(1, 1, 100)
    lines = [
        ("Financements de la politique de la ville", None),
        ("Entrepôt", str(db)),
        ("Construit le", built),
        ("Contrat", contract or "tous les contrats de l'entrepôt"),
        ("Prévu (documents des contrats)", labels.eur(planned, cents=True)),
        ("Exécuté (open data ANCT)", labels.eur(executed, cents=True)),
        (
            "Montants",
            "La part de chaque ligne de financement attribuée à un QPV et une année (marts.fct_funding) : "
            "une ligne pour plusieurs QPV ou plusieurs années est répartie à parts égales.",
        ),
        ("Ciblé ou partagé", labels.ALLOCATION_NOTE),
        (
            "Exécuté",
            "Les postes financés par l'État (FONJEP, adultes-relais) de l'open data ANCT : ils ne "
            "nomment le plus souvent aucun QPV (hors QPV) et couvrent tous les contrats de France.",
        ),
        ("Requête", "select * from analytics.funding_by_qpv_year (cdv query)"),
    ]
    for row, (key, text) in enumerate(lines):
        readme.write(row, 0, key, bold)
        if text is not None:
            readme.write(row, 1, text, wrap)

    flat = book.add_worksheet("Financeur x QPV x année")
    for col, name in enumerate(FLAT_COLUMNS):
        flat.write(0, col, labels.column(name), header)
    for r, record in enumerate(rows, start=1):
        for col, (name, raw) in enumerate(zip(FLAT_COLUMNS, record, strict=True)):
            if name == "amount_eur":
                flat.write_number(r, col, float(raw), money)
            elif raw is None:
                flat.write_blank(r, col, None)
            elif isinstance(raw, int):
                flat.write_number(r, col, raw)
            else:
                flat.write_string(r, col, str(labels.value(name, raw)))
    flat.freeze_panes(1, 0)
    flat.autofilter(0, 0, max(len(rows), 1), len(FLAT_COLUMNS) - 1)
    widths = {
        "contract_name": 36,
        "root_funder_name": 30,
        "funder_name": 30,
        "qpv_name": 30,
        "amount_eur": 16,
    }
    for col, name in enumerate(FLAT_COLUMNS):
        flat.set_column(col, col, widths.get(name, 14))

    _pivot(book.add_worksheet("Tableau croisé"), rows, index, header, bold, money, money_bold)
    book.close()
    report = WorkbookReport("", len(rows), planned, executed)
    return out.getvalue(), report


def _pivot(
    sheet: Any,
    rows: list[tuple[Any, ...]],
    index: dict[str, int],
    header: Any,
    bold: Any,
    money: Any,
    total: Any,
) -> None:
    """Planned money: funder and QPV down, years across, totals right and below."""
    cells: dict[tuple[str, str, str, str], dict[int, Decimal]] = {}
    years: set[int] = set()
    for row in rows:
        if row[index["funding_kind"]] != "planned":
            continue
        key = (
            row[index["funder_code"]] or "",
            row[index["funder_name"]] or "",
            row[index["qpv_code"]] or "",
            row[index["qpv_name"]] or "",
        )
        year = row[index["funding_year"]]
        years.add(year)
        cells.setdefault(key, {})
        cells[key][year] = cells[key].get(year, Decimal(0)) + row[index["amount_eur"]]
    ordered = sorted(years)
    heads = ["Financeur", "Nom du financeur", "QPV", "Nom du QPV", *map(str, ordered), "Total"]
    for col, text in enumerate(heads):
        sheet.write(0, col, text, header)
    for r, (key, by_year) in enumerate(sorted(cells.items()), start=1):
        for col, text in enumerate(key):
            sheet.write_string(r, col, text)
        for offset, year in enumerate(ordered):
            if year in by_year:
                sheet.write_number(r, 4 + offset, float(by_year[year]), money)
        sheet.write_number(r, 4 + len(ordered), float(sum(by_year.values(), Decimal(0))), total)
    last = len(cells) + 1
    sheet.write(last, 0, "Total", bold)
    for offset, year in enumerate(ordered):
        amount = sum((by_year.get(year, Decimal(0)) for by_year in cells.values()), Decimal(0))
        sheet.write_number(last, 4 + offset, float(amount), total)
    grand = sum((sum(b.values(), Decimal(0)) for b in cells.values()), Decimal(0))
    sheet.write_number(last, 4 + len(ordered), float(grand), total)
    sheet.freeze_panes(1, 4)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, 2, 12)
    sheet.set_column(3, 3, 30)
    sheet.set_column(4, 4 + len(ordered), 15)


def export_xlsx(db: Path, output: Path, contract: str | None = None) -> WorkbookReport:
    data, report = workbook_bytes(db, contract)
    _write_exactly(Path(output), data, db)
    report.output = str(output)
    return report
