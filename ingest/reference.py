"""Reference data the parsers need, read from the dbt seeds so both sides share one source."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from ingest.text import fold

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"


@cache
def seed_rows(name: str) -> tuple[dict[str, str], ...]:
    """Rows of ``seeds/<name>.csv`` as dicts; empty when the seed is missing."""
    path = SEEDS_DIR / f"{name}.csv"
    if not path.exists():
        return ()
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(dict(row) for row in csv.DictReader(handle))


def detect_contract(text: str) -> tuple[str | None, str]:
    """The contract a document is about, from the contract names it mentions most.

    Returns the code and the alias that decided it (empty when none matched).
    """
    folded = f" {fold(text)} "
    hits: dict[str, tuple[int, str]] = {}
    for row in seed_rows("ref_contract_aliases"):
        alias = fold(row.get("alias", ""))
        code = row.get("contract_code", "")
        if not alias or not code:
            continue
        count = folded.count(f" {alias} ")
        if count:
            best = hits.get(code, (0, ""))
            hits[code] = (best[0] + count, best[1] if best[0] >= count else row["alias"])
    if not hits:
        return None, ""
    code, (_, alias) = max(hits.items(), key=lambda item: (item[1][0], item[0]))
    return code, alias
