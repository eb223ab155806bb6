"""The end of a programme document: one that stops inside a fiche's fields or inside a funding table
was cut short (a truncated export)."""

from __future__ import annotations

from ingest.programme.context import Context
from ingest.programme.fields import FIELD_ORDER


def check_truncation(ctx: Context) -> None:
    """A document that stops inside a fiche's fields or inside a funding table was cut short.

    A fiche normally ends with its funding tables or its cost total, and every table of the
    documents has its "Crédits spécifiques" row: ending before either is what a truncated export
    looks like. Said once, at the last line, instead of an issue per missing field.
    """
    fiche, last, table = ctx.fiche, len(ctx.lines), ctx.table
    if fiche is None or not last:
        return
    if table is not None and table.row_type != "credits_specifiques":
        fiche.truncated = True
        ctx.issue(
            last,
            "warning",
            "truncated_document",
            f"the document ends inside the funding table of fiche {fiche.code} opened at line "
            f"{table.first_line}, before its 'Crédits spécifiques' row: it looks truncated; "
            "the cells read so far are kept",
        )
    elif table is None and ctx.in_fields and fiche.tables == 0:
        fiche.truncated = True
        seen = [FIELD_ORDER.index(name) for name in fiche.fields if name in FIELD_ORDER]
        after = FIELD_ORDER[max(seen) + 1 :] if seen else FIELD_ORDER
        missing = [name for name in after if name not in fiche.fields]
        where = f"in its '{ctx.field}' field" if ctx.field else "before its first field"
        without = f"without its fields {', '.join(repr(m) for m in missing)} and " if missing else ""
        ctx.issue(
            last,
            "warning",
            "truncated_document",
            f"the document ends inside fiche {fiche.code} (line {fiche.line}), {where}, {without}"
            "without a funding table: it looks truncated; what was read of the fiche is kept",
        )
