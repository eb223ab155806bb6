"""The funding table reader.

A table starts at a header line holding ``Droit commun`` and the funder columns; the header carries
the first row's label, so the lines after it are the droit commun row until a ``Crédits spécifiques``
/ ``CS`` line. Lines of the same row split by a page break or a footnote are joined back cell by
cell. A closed table gives ``raw.funding_tables`` and ``raw.funding_cells``; its cells' money is
read by ``ingest.programme.money``.
"""

from __future__ import annotations

from ingest.programme import money, targets
from ingest.programme.context import Cell, Context, Table
from ingest.programme.lines import row_label
from ingest.rows import FundingCellRow, FundingTableRow
from ingest.text import fold, strip_html, strip_tags


def open_table(ctx: Context, number: int, row: list[str]) -> Table:
    """A table opened by the header ``row`` at line ``number``; the caller closes the one before."""
    ctx.in_fields = False
    ctx.in_participation = False
    headers = [strip_tags(c) for c in row]
    ctx.table_count += 1
    if ctx.fiche is None:
        ctx.issue(number, "warning", "table_outside_fiche", "a funding table before any fiche")
    else:
        ctx.fiche.tables += 1
        ctx.fiche.last_line = number
    heading = ctx.heading
    ctx.table = Table(
        index=ctx.table_count,
        fiche_code=ctx.fiche.code if ctx.fiche else None,
        sub_action=heading[0] if heading else None,
        sub_action_line=heading[1] if heading else None,
        headers=headers,
        first_line=number,
        last_line=number,
        lines=[number],
        header_has_row_label="droit commun" in [fold(h) for h in headers],
    )
    ctx.heading = None
    return ctx.table


def add_row_line(ctx: Context, table: Table, number: int, row: list[str]) -> None:
    declared = row_label(row)
    if declared:
        table.row_type = declared
    elif len(row) > 1 and strip_tags(row[1]):
        # Text in the label column that is not a row type: keep it as a cell of its own.
        _add_cell(ctx, table, number, 1, row[1])
    if row and fold(strip_tags(row[0])) not in ("cout de l action", ""):
        _add_cell(ctx, table, number, 0, row[0])
    for position in range(2, len(row)):
        if strip_tags(row[position]):
            _add_cell(ctx, table, number, position, row[position])
    table.last_line = number
    table.lines.append(number)
    if ctx.fiche:
        ctx.fiche.last_line = number


def _add_cell(ctx: Context, table: Table, number: int, position: int, raw: str) -> None:
    header = table.headers[position] if position < len(table.headers) else None
    if position >= len(table.headers):
        ctx.issue(
            number,
            "warning",
            "cell_beyond_headers",
            f"a cell in column {position + 1} but the table has {len(table.headers)} columns: "
            "kept without header, so without the column's funder",
        )
    key = (table.row_type, position)
    cell = table.cells.get(key)
    if cell is None:
        cell = table.cells[key] = Cell(table.row_type, position, header or None)
    cell.parts.append(strip_html(raw))
    if number not in cell.lines:
        cell.lines.append(number)


def close(ctx: Context) -> None:
    """The open table's rows, its QPV targets and its cells' money."""
    table = ctx.table
    if table is None:
        return
    ctx.table = None
    table_id = table.table_id
    header: FundingTableRow = {
        "table_id": table_id,
        "fiche_code": table.fiche_code,
        "table_index": table.index,
        "sub_action": table.sub_action,
        "sub_action_line": table.sub_action_line,
        "headers": table.headers,
        "note": table.note,
        "first_line": table.first_line,
        "last_line": table.last_line,
        "source_line": table.first_line,
        "source_text": ctx.text(table.first_line),
    }
    ctx.result.add("funding_tables", header)
    targets.emit(ctx, table)
    for (row_type, position), cell in sorted(table.cells.items(), key=lambda kv: (kv[1].lines[0], kv[0][1])):
        if len(cell.lines) > 1:
            ctx.issue(
                cell.lines[0],
                "info",
                "cell_joined",
                f"cell '{cell.header}' ({row_type}) continued on lines {cell.lines[1:]}: joined",
            )
        row: FundingCellRow = {
            "cell_id": f"{table_id}:{row_type[:2]}:{position}",
            "table_id": table_id,
            "fiche_code": table.fiche_code,
            "row_type": row_type,
            "column_index": position,
            "column_header": cell.header,
            "raw_text": cell.text,
            "source_line": cell.lines[0],
            "source_lines": cell.lines,
            "source_text": "\n".join(ctx.text(n) for n in cell.lines),
        }
        ctx.result.add("funding_cells", row)
        if position == 0 and fold(strip_tags(cell.header or "")).startswith(
            ("cout", "budget", "montant total")
        ):
            money.read_table_cost(ctx, table, row_type, cell)
        else:
            money.read_money(ctx, table, row_type, position, cell)
