"""Parser of the *programme d'actions* document kind (fiches actions with funding tables).

Read line by line: ``lines`` classifies each line, and one reader per part of the document takes it:
``summary`` (the summary table mapping fiche codes to pillar, axis and objective), ``fields`` (a
fiche and its fields), ``tables`` (funding tables and their cells), ``money`` and ``targets`` (the
funding lines, pledges and costs of a table's cells, the QPVs its money goes to), ``totals`` (cost
total lines) and ``fiche_rows`` (a closed fiche's row and checks); ``parser`` drives them.
"""

from __future__ import annotations

import re

from ingest.programme.context import KIND
from ingest.programme.fields import EXPECTED_FIELDS, FIELD_LABELS
from ingest.programme.lines import FICHE
from ingest.programme.parser import parse

__all__ = ["EXPECTED_FIELDS", "FICHE", "FIELD_LABELS", "KIND", "detect", "parse"]

_COST_HEADER = re.compile(r"Co[uû]t de l['’]action")
_SPECIFIC_ROW = re.compile(r"Cr[ée]dits sp[ée]cifiques")
_COMMON_ROW = re.compile(r"Droit commun")


def detect(text: str) -> float:
    """How much the text looks like a programme d'actions (0..1), from its content."""
    score = 0.0
    if FICHE.search(text):
        score += 0.5
    if _COST_HEADER.search(text):
        score += 0.3
    if _SPECIFIC_ROW.search(text) or _COMMON_ROW.search(text):
        score += 0.2
    return min(score, 1.0)
