"""Which priority neighbourhoods (QPV) a fiche or sub-action is about, from its territory text.

The words are matched against ``ref_qpv_aliases`` (case-, accent- and hyphen-insensitive,
longest alias first): an alias names one QPV, several QPVs (one row each), all the
contract's QPVs (``ALL``) or a place that is not a QPV (``NONE``: it resolves downstream
to the explicit "outside QPV / unspecified" member, it is never dropped). A place in
parentheses right after a QPV name is a part of that QPV ("Centre-Ancien (Axe Foch-
Augustins-Fusterie)"), not a second territory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ingest.reference import seed_rows
from ingest.text import fold


@dataclass(frozen=True)
class TerritoryMatch:
    qpv_code: str
    match_kind: str
    alias: str
    start: int
    end: int


@lru_cache(maxsize=32)
def _aliases(contract_code: str | None) -> tuple[tuple[str, re.Pattern[str], str, str, str], ...]:
    """The contract's aliases, folded, with their whole-word pattern compiled once, longest first."""
    rows = []
    for row in seed_rows("ref_qpv_aliases"):
        scope = (row.get("contract_code") or "").strip()
        if scope and scope != contract_code:
            continue
        key = fold(row["alias"])
        if key:
            pattern = re.compile(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])")
            rows.append((key, pattern, row["qpv_code"], row.get("match_kind") or "alias", row["alias"]))
    # Longest first, so "quartier bas vernet est" wins over "bas vernet".
    return tuple(sorted(rows, key=lambda r: -len(r[0])))


def resolve(text: str | None, contract_code: str | None) -> list[TerritoryMatch]:
    """QPV targets named by a territory text, in text order (several rows for a multi-QPV alias)."""
    if not text:
        return []
    folded = fold(text)
    taken: list[tuple[int, int]] = []
    found: list[TerritoryMatch] = []
    for key, pattern, code, kind, alias in _aliases(contract_code):
        if key not in folded:  # the pattern's literal: most aliases are absent from a given text
            continue
        for match in pattern.finditer(folded):
            span = (match.start(), match.end())
            if any(s < span[1] and span[0] < e for s, e in taken if (s, e) != span):
                continue
            if span not in taken:
                taken.append(span)
            found.append(TerritoryMatch(code, kind, alias, *span))
    found.sort(key=lambda m: (m.start, m.qpv_code))
    kept = _drop_parenthesised_parts(text, found)
    seen: set[str] = set()
    unique = []
    for match in kept:
        if match.qpv_code not in seen:
            seen.add(match.qpv_code)
            unique.append(match)
    return unique


def _drop_parenthesised_parts(text: str, found: list[TerritoryMatch]) -> list[TerritoryMatch]:
    """A not-QPV place in parentheses right after a QPV is a part of that QPV."""
    folded_parens = [
        (fold(text[: m.start()]), fold(text[: m.end()])) for m in re.finditer(r"\([^()]*\)", text)
    ]
    kept = []
    for match in found:
        inside = any(len(a) <= match.start and match.end <= len(b) + 1 for a, b in folded_parens)
        if (
            match.match_kind == "not_qpv"
            and inside
            and any(other.match_kind in ("exact", "alias") and other.end <= match.start for other in found)
        ):
            continue
        kept.append(match)
    return kept


_PART_MARKER = re.compile(r"(?:(?<=\s)|^)(?:Action|Phase)\s+([A-Z]\d?|\d)\b\s*:?", re.IGNORECASE)


def territory_part(text: str | None, sub_action_key: str | None) -> str | None:
    """The part of a territory text about one sub-action ("Action 2 quartiers test: ..."), else None."""
    if not text or not sub_action_key:
        return None
    markers = list(_PART_MARKER.finditer(text))
    for index, marker in enumerate(markers):
        if marker.group(1).upper() == sub_action_key.upper():
            end = markers[index + 1].start() if index + 1 < len(markers) else len(text)
            return text[marker.end() : end].strip()
    return None
