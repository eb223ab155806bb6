"""The money of a funding table's cells: funding lines, their "dont" parts and pledges
(``ingest.funding.read_cell`` reads a cell's text), and the action's cost where a "Coût de l'action"
column gives it (a cost, not funding)."""

from __future__ import annotations

from ingest.funding import CellContext, read_cell, read_costs, sub_action_calendar
from ingest.programme.context import Cell, Context, Table
from ingest.text import clean_block


def _source_text(ctx: Context, cell: Cell) -> str:
    return "\n".join(ctx.text(n) for n in cell.lines)


def read_table_cost(ctx: Context, table: Table, row_type: str, cell: Cell) -> None:
    """An amount written in the "Coût de l'action" cell of a row: the action's cost."""
    rows, issues = read_costs(cell.text, "table")
    for n, row in enumerate(rows, start=1):
        row.update(
            cost_id=f"{table.table_id}:{row_type[:2]}:cost:{n}",
            fiche_code=table.fiche_code,
            cost_kind="total" if row["cost_kind"] == "item" else row["cost_kind"],
            label=(table.sub_action or "Coût de l'action") + (f" : {row['label']}" if row["label"] else ""),
            source_line=cell.lines[0],
            source_text=_source_text(ctx, cell),
        )
        ctx.result.add("action_costs", row)
    for severity, rule, message in issues:
        ctx.issue(cell.lines[0], severity, rule, f"{cell.header}: {message}")


def read_money(ctx: Context, table: Table, row_type: str, position: int, cell: Cell) -> None:
    """Funding lines and pledges of one cell."""
    fiche = ctx.open_fiche_code(table.fiche_code)
    calendar_text = clean_block("\n".join(fiche.text_of("calendrier"))) or None if fiche else None
    context = CellContext(
        column_header=cell.header,
        row_type=row_type,
        territory=ctx.territory,
        neighbour_headers=tuple(
            table.headers[index] if 0 <= index < len(table.headers) else None
            for index in (position - 1, position + 1)
        ),
        calendar=sub_action_calendar(calendar_text, table.sub_action),
        note=table.note,
    )
    reading = read_cell(cell.text, context)
    cell_id = f"{table.table_id}:{row_type[:2]}:{position}"
    where = f"{cell.header or 'cell'} ({row_type})"
    base = {
        "cell_id": cell_id,
        "table_id": table.table_id,
        "fiche_code": table.fiche_code,
        "sub_action": table.sub_action,
        "row_type": row_type,
        "column_header": cell.header,
        "source_line": cell.lines[0],
        "source_text": _source_text(ctx, cell),
    }
    for line in reading.lines:
        if not line["amount_eur"] or line["amount_eur"] <= 0:
            # "0 €" is no money: a funding line is an amount a funder puts in. Said, not loaded.
            ctx.issue(
                cell.lines[0],
                "warning",
                "zero_amount",
                f"{where}: '{line['amount_text']}' is no money: not a funding line",
            )
            continue
        parts = line.pop("dont_parts", [])
        row = dict(base, column_index=position, **line)
        row["line_id"] = f"{cell_id}:{line['line_index']}"
        ctx.result.add("funding_lines", row)
        for n, part in enumerate(parts, start=1):
            ctx.result.add(
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
        ctx.result.add("funding_pledges", dict(base, pledge_id=f"{cell_id}:p{n}", **pledge))
    for severity, rule, message in reading.issues:
        ctx.issue(cell.lines[0], severity, rule, f"{where}: {message}")
