"""The programme parser: each line classified (``lines.classify``), then handed to its reader
(summary, fiche fields, funding table, cost total); headings move the outline. Nothing here raises
on bad content: what cannot be read becomes an issue."""

from __future__ import annotations

from ingest.contracts import ContractMatch
from ingest.programme import ends, fiche_rows, fields, summary, tables, totals
from ingest.programme.context import Context
from ingest.programme.lines import (
    AXIS_HEADING,
    OBJECTIVE_HEADING,
    PILLAR_HEADING,
    Kind,
    Where,
    classify,
)
from ingest.records import ParseResult
from ingest.text import fold, strip_tags


def _where(ctx: Context) -> Where:
    table = ctx.table
    return Where(
        in_summary=ctx.in_summary,
        in_fiche=ctx.fiche is not None,
        in_fields=ctx.in_fields,
        in_participation=ctx.in_participation,
        table_open=table is not None,
        table_has_rows=table is not None and len(table.lines) > 1,
        table_header_has_row_label=table is None or table.header_has_row_label,
    )


def close_fiche(ctx: Context) -> None:
    tables.close(ctx)
    fiche = ctx.fiche
    if fiche is None:
        return
    ctx.fiches.append(fiche)
    ctx.fiche = None
    ctx.in_fields = False
    fiche_rows.emit(ctx, fiche)


def read_heading(ctx: Context, text: str, number: int) -> None:
    """A pillar, axis or objective heading closes the fiche and moves the outline; another heading
    is the sub-action the next table is under (or opens the "participation des habitants" part)."""
    plain = strip_tags(text)
    if match := PILLAR_HEADING.match(plain):
        close_fiche(ctx)
        ctx.outline.pillar = f"{match['num']}. {match['label'].strip()}"
        return
    if match := AXIS_HEADING.match(plain):
        close_fiche(ctx)
        ctx.outline.axis = (match["num"], match["label"].strip())
        return
    if match := OBJECTIVE_HEADING.match(plain):
        close_fiche(ctx)
        ctx.outline.objective = (f"{match['axis']}-{match['num']}", match["label"].strip(" *:"))
        return
    tables.close(ctx)
    ctx.in_fields = False
    if "participation des habitants" in fold(plain):
        ctx.in_participation = True
        ctx.heading = None
        if ctx.fiche:
            ctx.fiche.participation.append(plain)
        return
    ctx.in_participation = False
    ctx.heading = (plain.rstrip(" :"), number)


def read_line(ctx: Context, number: int, line: str) -> None:
    seen = classify(line, _where(ctx))
    kind = seen.kind
    if kind is Kind.SUMMARY_START:
        ctx.in_summary = True
        return
    if kind is Kind.SUMMARY_ROW and seen.row is not None:
        summary.read_row(ctx, seen.row)
        return
    if kind is Kind.BLANK:
        return
    ctx.in_summary = False
    fiche = ctx.fiche
    if kind is Kind.FICHE_START and seen.match is not None:
        close_fiche(ctx)
        fields.start(ctx, number, seen.match, line)
    elif kind is Kind.TABLE_HEADER and seen.row is not None:
        tables.close(ctx)
        tables.open_table(ctx, number, seen.row)
    elif kind is Kind.TABLE_ROW and ctx.table is not None and seen.row is not None:
        tables.add_row_line(ctx, ctx.table, number, seen.row)
    elif kind is Kind.TABLE_NOTE and ctx.table is not None:
        ctx.table.notes.append(strip_tags(line))
        ctx.issue(number, "info", "footnote_in_table", "a footnote inside a funding table: kept as its note")
    elif kind is Kind.COST_TOTAL:
        tables.close(ctx)
        totals.read_total(ctx, line, number)
    elif kind is Kind.HEADING:
        read_heading(ctx, seen.text, number)
    elif kind is Kind.STRAY_ROW:
        ctx.issue(number, "warning", "row_outside_table", "a funding row with no table header above it")
    elif fiche is None or kind is Kind.IGNORED:
        return
    elif kind is Kind.FIELD and seen.name:
        fields.add_field(ctx, fiche, seen.name, seen.text, number)
    elif kind is Kind.FIELD_TEXT:
        fields.continue_field(ctx, fiche, line, number)
    elif kind in (Kind.PARTICIPATION, Kind.PARTICIPATION_START):
        ctx.in_participation = True
        fiche.participation.append(line)
        fiche.last_line = number
    else:
        ctx.issue(
            number, "info", "unattached_text", "text after a fiche's fields that belongs to no field or table"
        )


def parse(lines: list[str], contract: ContractMatch | None = None) -> ParseResult:
    """Fiches, funding tables, cells, lines, pledges, costs and targets of a programme document."""
    ctx = Context.of(lines, contract)
    for number, line in enumerate(lines, start=1):
        try:
            read_line(ctx, number, line)
        except Exception as exc:  # noqa: BLE001 - a parser reports, it never raises
            ctx.issue(number, "error", "unreadable_line", f"line could not be read: {exc!r}")
    try:
        ends.check_truncation(ctx)
    except Exception as exc:  # noqa: BLE001 - a parser reports, it never raises
        ctx.issue(None, "error", "unreadable_line", f"the end of the document could not be read: {exc!r}")
    close_fiche(ctx)
    if not ctx.fiches:
        ctx.issue(None, "error", "no_fiche", "no 'Fiche action n°' found in the document")
    fields.report_duplicate_texts(ctx)
    return ctx.result
