"""The QPVs a funding table's money goes to (``raw.territory_targets``): its sub-action's part of the
fiche's territory text, else all of it, resolved on the contract's territory."""

from __future__ import annotations

from ingest.codes import OUTSIDE_QPV
from ingest.funding import sub_action_key
from ingest.programme.context import Context, Table
from ingest.rows import TerritoryTargetRow
from ingest.territory import resolve, territory_part
from ingest.text import clean_block


def emit(ctx: Context, table: Table) -> None:
    fiche = ctx.open_fiche_code(table.fiche_code)
    territory = clean_block("\n".join(fiche.text_of("territoire"))) if fiche else ""
    text = territory_part(territory, sub_action_key(table.sub_action)) or territory
    line = fiche.field_lines.get("territoire") if fiche else None
    matches = resolve(text, ctx.territory)
    if territory and not matches:
        ctx.issue(
            line,
            "warning",
            "territory_not_resolved",
            f"no QPV of the contract or known place in the territory of fiche {table.fiche_code}: "
            f"'{text[:80]}': its money goes to {OUTSIDE_QPV}",
        )
    elif any(m.qpv_code == "NONE" for m in matches) and not any(m.qpv_code.startswith("Q") for m in matches):
        ctx.issue(
            line,
            "info",
            "territory_outside_qpv",
            f"the territory of fiche {table.fiche_code} names a place that is not a QPV "
            f"('{text[:80]}'): its money goes to {OUTSIDE_QPV}",
        )
    for match in matches:
        if match.match_kind == "outside_contract":
            ctx.issue(
                line,
                "info",
                "qpv_outside_contract_list",
                f"{match.qpv_code} ({match.alias}) is named in fiche {table.fiche_code} but its commune was not "
                "known to be the contract's: taken as one of the contract's QPVs",
            )
            if match.qpv_code not in ctx.result.contract_qpvs:
                ctx.result.contract_qpvs.append(match.qpv_code)
        if match.qpv_code == "ALL" and not ctx.territory.qpvs and not ctx.all_warned:
            ctx.all_warned = True
            ctx.issue(
                line,
                "warning",
                "contract_qpvs_unknown",
                f"'{match.alias}' means every QPV of the contract, but no QPV of "
                f"{ctx.result.contract_code or 'an unknown contract'} is in the reference "
                f"(add its région's QPV list to reference/qpv/): that money goes to {OUTSIDE_QPV}",
            )
    found: list[tuple[str, str, str | None]] = [(m.qpv_code, m.match_kind, m.alias) for m in matches]
    for n, (code, kind, alias) in enumerate(found or [("NONE", "unspecified", None)], start=1):
        row: TerritoryTargetRow = {
            "target_id": f"{table.table_id}:q{n}",
            "fiche_code": table.fiche_code,
            "table_id": table.table_id,
            "territory_text": text or None,
            "qpv_code": code,
            "match_kind": kind,
            "alias": alias,
            "source_line": line or table.first_line,
            "source_text": ctx.text(line or table.first_line),
        }
        ctx.result.add("territory_targets", row)
