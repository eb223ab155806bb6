"""The fiche reader: a fiche starts at ``Fiche action n° a-b-c``; its fields are ``<b>Label</b>\\tvalue``
lines, and a value continues on the following lines (page breaks) until the next field, a heading or
a funding table."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ingest.text import fold, strip_tags

if TYPE_CHECKING:
    from ingest.programme.context import Context

# Field labels as they fold (lower case, no accents, no punctuation), in document order.
FIELD_LABELS: list[tuple[str, str]] = [
    ("convention", "convention"),
    ("articulation", "articulation"),
    ("diagnostic", "diagnostic"),
    ("objectif general", "objectif_general"),
    ("objectifs operationnels", "objectifs_operationnels"),
    ("objectif operationnel", "objectifs_operationnels"),
    ("description", "description"),
    ("territoire", "territoire"),
    ("quartiers prioritaires concernes", "territoire"),
    ("quartier", "territoire"),
    ("qpv concerne", "territoire"),
    ("perimetre", "territoire"),
    ("localisation", "territoire"),
    ("pilote", "pilotes_partenaires"),
    ("porteur", "pilotes_partenaires"),
    ("partenaires", "pilotes_partenaires"),
    ("moyens", "moyens"),
    ("budget", "moyens"),
    ("plan de financement", "moyens"),
    ("calendrier", "calendrier"),
    ("echeancier", "calendrier"),
    ("duree", "calendrier"),
    ("resultats attendus", "resultats_attendus"),
    ("indicateurs", "indicateurs"),
]
EXPECTED_FIELDS = sorted({name for _, name in FIELD_LABELS})
FIELD_ORDER = list(dict.fromkeys(name for _, name in FIELD_LABELS))

_TITLE = re.compile(r"Intitul[ée]\s+de\s+l['’]action\s*:?", re.IGNORECASE)


@dataclass
class Fiche:
    code: str
    line: int
    title: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)
    field_numbers: dict[str, list[int]] = field(default_factory=dict)
    last_line: int = 0
    axis_heading: tuple[str, str] | None = None
    objective_heading: tuple[str, str] | None = None
    participation: list[str] = field(default_factory=list)
    tables: int = 0
    # The document ends inside this fiche: one truncation issue says so instead of one per missing part.
    truncated: bool = False

    def text_of(self, name: str) -> list[str]:
        return self.fields.get(name, [])


def field_name(label: str) -> str | None:
    """The field a label names ("Quartiers prioritaires concernés" -> territoire), or None."""
    key = fold(label)
    for prefix, name in FIELD_LABELS:
        if key.startswith(prefix):
            return name
    return None


def start(ctx: Context, number: int, match: re.Match[str], line: str) -> Fiche:
    """A new fiche at line ``number`` (``match``: its ``Fiche action n°`` code); the caller closes
    the one before."""
    code = f"{match.group(1)}-{match.group(2)}-{match.group(3)}"
    fiche = Fiche(code=code, line=number, last_line=number)
    title_at = _TITLE.search(line)
    if title_at:
        fiche.title = strip_tags(line[title_at.end() :])
    else:
        # "Fiche action n° 4.1.1 : Accès à la pratique sportive": the title after the code.
        after = strip_tags(line[match.end() :]).strip(" :–-*#\t")
        if len(after) >= 3:
            fiche.title = after
    fiche.axis_heading = ctx.outline.axis
    fiche.objective_heading = ctx.outline.objective
    if any(f.code == code for f in ctx.fiches):
        ctx.issue(number, "warning", "duplicate_fiche_code", f"fiche {code} appears a second time")
    ctx.fiche = fiche
    ctx.field = None
    ctx.in_fields = True
    ctx.heading = None
    ctx.in_participation = False
    return fiche


def add_field(ctx: Context, fiche: Fiche, name: str, value: str, number: int) -> None:
    if name in fiche.fields and name != "objectifs_operationnels":
        ctx.issue(number, "warning", "repeated_field", f"field '{name}' appears twice in fiche {fiche.code}")
    fiche.fields.setdefault(name, []).append(value)
    fiche.field_lines.setdefault(name, number)
    fiche.field_numbers.setdefault(name, []).append(number)
    ctx.field = name
    fiche.last_line = number


def continue_field(ctx: Context, fiche: Fiche, value: str, number: int) -> None:
    """More text of the current field (or the fiche's title, before any field)."""
    if ctx.field is None:
        if not fiche.title and strip_tags(value):
            fiche.title = strip_tags(value)
        else:
            ctx.issue(number, "info", "text_before_fields", "text between a fiche title and its first field")
        fiche.last_line = number
        return
    fiche.fields[ctx.field].append(value)
    fiche.field_numbers[ctx.field].append(number)
    fiche.last_line = number


def report_duplicate_texts(ctx: Context) -> None:
    """A fiche whose text repeats another's word for word is likely a copy-paste in the source."""
    seen: dict[str, str] = {}
    for row in ctx.result.tables.get("fiches", []):
        key = fold(
            " ".join(row.get(name) or "" for name in ("diagnostic", "objectif_general", "description"))
        )
        if not key:
            continue
        if key in seen:
            ctx.result.issue(
                row["source_line"],
                "warning",
                "duplicate_fiche_text",
                f"fiche {row['fiche_code']} repeats the text of fiche {seen[key]} word for word",
                row["source_text"],
            )
        else:
            seen[key] = row["fiche_code"]
