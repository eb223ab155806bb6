"""The summary table at the top of a programme: each fiche code with its pillar, axis and
operational objective (and its title when the row has one fiche). A row carries only what changes:
the pillar, axis and objective cells run on from the rows above, as the outline does."""

from __future__ import annotations

import re

from ingest.programme.context import Context
from ingest.text import strip_tags

_PILLAR = re.compile(r"^(?P<num>[IVX]+)\.\s+(?P<label>.+)$")
_AXIS = re.compile(r"^Axe\s+(?P<num>\d+)\s+(?P<label>.+)$", re.IGNORECASE)
_OBJECTIVE = re.compile(r"^(?P<axis>\d+)[.-](?P<num>\d+)\s+(?P<label>.+)$")
_FICHES = re.compile(r"^\d+[.-]\d+[.-]\d+(?:[\s,;]+\d+[.-]\d+[.-]\d+)*$")


def read_row(ctx: Context, cells: list[str]) -> None:
    outline = ctx.outline
    fiche_codes: list[str] = []
    titles: list[str] = []
    for raw in cells:
        cell = strip_tags(raw)
        if not cell:
            continue
        if match := _FICHES.match(cell):
            fiche_codes = [code.replace(".", "-") for code in re.split(r"[\s,;]+", match.group(0))]
        elif fiche_codes:
            titles.append(cell)
        elif match := _AXIS.match(cell):
            outline.axis = (match["num"], match["label"].strip())
        elif match := _OBJECTIVE.match(cell):
            outline.objective = (f"{match['axis']}-{match['num']}", match["label"].strip())
        elif match := _PILLAR.match(cell):
            outline.pillar = cell
    for code in fiche_codes:
        ctx.summary[code] = {
            "pillar": outline.pillar,
            "axis_code": outline.axis[0] if outline.axis else None,
            "axis_label": outline.axis[1] if outline.axis else None,
            "objective_code": outline.objective[0] if outline.objective else None,
            "objective_label": outline.objective[1] if outline.objective else None,
            # Several fiches on one summary row share a run-together title cell: not usable.
            "title": " ".join(titles) if len(fiche_codes) == 1 and titles else None,
        }
