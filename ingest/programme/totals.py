"""The reader of a cost total line ("Coût total de l'action : 45 000 €"): ``raw.action_totals`` keeps
the line as written, ``raw.action_costs`` the amounts read from it (a cost, not funding)."""

from __future__ import annotations

import re

from ingest.funding import read_costs
from ingest.programme.context import Context
from ingest.rows import ActionTotalRow
from ingest.text import strip_tags

_LABEL = re.compile(
    r"^(?P<label>co[uû]t\s+total\s+(?:de\s+l['’]\s*\w+)?)\s*:?\s*(?P<rest>.*)$", re.IGNORECASE
)


def read_total(ctx: Context, line: str, number: int) -> None:
    """The total on line ``number``; the caller closes any open table first."""
    ctx.in_fields = False
    plain = strip_tags(line).strip(" *")
    match = _LABEL.match(plain)
    label, rest = (match["label"], match["rest"]) if match else (plain, plain)
    label = label.strip()
    fiche_code = ctx.fiche.code if ctx.fiche else None
    if ctx.fiche is None:
        ctx.issue(number, "warning", "total_outside_fiche", "a cost total before any fiche")
    else:
        ctx.fiche.last_line = number
    total: ActionTotalRow = {
        "fiche_code": fiche_code,
        "label": label,
        "amount_text": rest.strip(" :") or None,
        "source_line": number,
        "source_text": line,
    }
    ctx.result.add("action_totals", total)
    rows, issues = read_costs(rest, "total")
    if not rows:
        ctx.issue(
            number, "warning", "total_without_amount", "a cost total line with no amount that could be read"
        )
    for n, row in enumerate(rows, start=1):
        row.update(
            cost_id=f"total:{number}:{n}",
            fiche_code=fiche_code,
            label=label + (f" : {row['label']}" if row["label"] else ""),
            source_line=number,
            source_text=line,
        )
        ctx.result.add("action_costs", row)
    for severity, rule, message in issues:
        ctx.issue(number, severity, rule, message)
