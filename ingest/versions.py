"""The date a document says it was written or revised ("version modifiée du 12 mars 2016",
"mise à jour le 03/05/2016", "avenant n° 2 du 14/12/2017"): what orders two versions of one
programme. The dbt side (int_document_versions) decides which documents are versions of one another
and which is current: the stated date, else the file's modification time, else the load order.
"""

from __future__ import annotations

import datetime as dt
import re

from ingest.text import fold

_MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}  # fmt: skip
_CUE = (
    r"(?:version(?:\s+(?:modifiee|revisee|consolidee|actualisee|definitive|n\s*\d+))?|mise?\s+a\s+jour|modifiee?"
    r"|actualisee?|revisee?|avenant(?:\s+n\s*\d+)?|adoptee?|approuvee?|signee?|valide[e]?)"
)
_DATE = re.compile(
    rf"{_CUE}\s+(?:du|le|au|en\s+date\s+du|en|de)\s+(?:(?P<day>\d{{1,2}})(?:er)?\s+)?"
    rf"(?P<month>\d{{1,2}}|{'|'.join(_MONTHS)})\s+(?P<year>(?:19|20)\d\d)"
)


def stated_date(text: str) -> dt.date | None:
    """The latest revision date the document states, None when it states none."""
    folded = fold(text[:20000] + "\n" + text[-5000:])
    found: list[dt.date] = []
    for match in _DATE.finditer(folded):
        month = match["month"]
        number = int(month) if month.isdigit() else _MONTHS[month]
        day = int(match["day"]) if match["day"] else 1
        try:
            found.append(dt.date(int(match["year"]), number, day))
        except ValueError:
            continue
    return max(found) if found else None
