"""A closed fiche's rows: ``raw.fiches`` (its fields, its place in the outline) and the cost items of
its "Moyens financiers / techniques" (amounts there are costs, not funding), with the checks of the
fiche as a whole (missing fields, objective mismatches, items against the stated total)."""

from __future__ import annotations

import re

from ingest.funding import read_costs
from ingest.programme.context import Context
from ingest.programme.fields import EXPECTED_FIELDS, Fiche
from ingest.rows import FicheRow
from ingest.text import clean_block, strip_html

_MOYENS_SPLIT = re.compile(r"Moyens\s+(humains|financiers|techniques)\s*:?", re.IGNORECASE)


def split_moyens(text: str) -> dict[str, str | None]:
    """Split the 'Moyens humains, financiers et techniques' text on its inner labels."""
    parts: dict[str, str | None] = {}
    marks = list(_MOYENS_SPLIT.finditer(text))
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        value = text[mark.end() : end].strip(" \n:")
        parts[mark.group(1).lower()] = value or None
    return parts


def emit(ctx: Context, fiche: Fiche) -> None:
    """The fiche's row, its cost items and the cost check."""
    summary = ctx.summary.get(fiche.code, {})
    if not summary and ctx.summary:
        ctx.issue(
            fiche.line, "warning", "fiche_not_in_summary", f"fiche {fiche.code} is not in the summary table"
        )
    values = {name: clean_block("\n".join(parts)) or None for name, parts in fiche.fields.items()}
    parts = split_moyens(values.get("moyens") or "")
    _check_outline(ctx, fiche, summary)
    axis, objective = fiche.axis_heading, fiche.objective_heading
    row: FicheRow = {
        "fiche_code": fiche.code,
        "title": fiche.title or summary.get("title"),
        "pillar": summary.get("pillar") or ctx.outline.pillar,
        "axis_code": summary.get("axis_code") or fiche.code.split("-")[0],
        "axis_label": summary.get("axis_label") or (axis[1] if axis else None),
        "axis_heading_label": axis[1] if axis else None,
        "objective_code": summary.get("objective_code") or _objective_code(fiche),
        "objective_label": summary.get("objective_label") or (objective[1] if objective else None),
        "objective_heading_label": objective[1] if objective else None,
        "moyens_humains": parts.get("humains"),
        "moyens_financiers": parts.get("financiers"),
        "moyens_techniques": parts.get("techniques"),
        "participation_habitants": clean_block("\n".join(fiche.participation)) or None,
        "first_line": fiche.line,
        "last_line": fiche.last_line,
        "source_line": fiche.line,
        "source_text": ctx.text(fiche.line),
    }
    ctx.result.add("fiches", {**row, **{name: values.get(name) for name in EXPECTED_FIELDS}})
    _read_cost_items(ctx, fiche, parts)
    if fiche.tables == 0 and not fiche.truncated:
        ctx.issue(
            fiche.line,
            "info",
            "fiche_without_funding_table",
            f"fiche {fiche.code} has no funding table: its fields are loaded, no funding line comes from it",
        )
    _check_cost_items(ctx, fiche)


def _objective_code(fiche: Fiche) -> str:
    return "-".join(fiche.code.split("-")[:2])


def _check_outline(ctx: Context, fiche: Fiche, summary: dict[str, str | None]) -> None:
    objective_code = _objective_code(fiche)
    for name in EXPECTED_FIELDS:
        if name not in fiche.fields and not fiche.truncated:
            ctx.issue(fiche.line, "info", "missing_field", f"fiche {fiche.code} has no '{name}' field")
    if summary.get("objective_code") and summary["objective_code"] != objective_code:
        ctx.issue(
            fiche.line,
            "warning",
            "objective_mismatch",
            f"fiche {fiche.code} is listed under objective {summary['objective_code']} in the summary",
        )
    if fiche.objective_heading and fiche.objective_heading[0] != objective_code:
        ctx.issue(
            fiche.line,
            "warning",
            "objective_mismatch",
            f"fiche {fiche.code} sits under the heading of objective {fiche.objective_heading[0]}",
        )
    if not fiche.title:
        ctx.issue(fiche.line, "warning", "missing_title", f"fiche {fiche.code} has no title")


def _read_cost_items(ctx: Context, fiche: Fiche, parts: dict[str, str | None]) -> None:
    """Cost items of 'Moyens financiers' and 'Moyens techniques'."""
    numbers = fiche.field_numbers.get("moyens", [])
    for part in ("financiers", "techniques"):
        text = parts.get(part)
        if not text:
            continue
        rows, issues = read_costs(text.replace("\n", " "), f"moyens_{part}")
        for n, row in enumerate(rows, start=1):
            line = next(
                (k for k in numbers if row["amount_text"] in strip_html(ctx.text(k))),
                fiche.field_lines["moyens"],
            )
            row.update(
                cost_id=f"{fiche.code}:{part[:3]}:{n}",
                fiche_code=fiche.code,
                source_line=line,
                source_text=ctx.text(line),
            )
            ctx.result.add("action_costs", row)
        for severity, rule, message in issues:
            ctx.issue(fiche.field_lines["moyens"], severity, rule, f"moyens {part}: {message}")


def _check_cost_items(ctx: Context, fiche: Fiche) -> None:
    """The document's own arithmetic: one-off cost items against the fiche's stated total."""
    costs = [c for c in ctx.result.tables.get("action_costs", []) if c["fiche_code"] == fiche.code]
    totals = [c for c in costs if c["cost_kind"] == "total"]
    items = [c for c in costs if c["cost_kind"] == "item" and not c["is_recurring"]]
    if len(totals) != 1 or not items:
        return
    total, summed = totals[0]["amount_eur"], sum(c["amount_eur"] for c in items)
    if summed == total:
        return
    # Items below the total are often a partial list ("+ location des locaux..."): said, not alarmed.
    ctx.issue(
        totals[0]["source_line"],
        "warning" if summed > total else "info",
        "cost_items_total_mismatch",
        f"fiche {fiche.code}: the cost items add up to {summed} € but the stated total is {total} €",
    )
