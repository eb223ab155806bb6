"""Two published warehouses compared table by table: a DuckDB file and a PostgreSQL server (or any
two readers), for the tables readers see (``marts``, ``analytics`` and the seeds in ``reference``).

Values are compared as what they mean, not as each engine's types: a number by its decimal value
(``5000`` and ``5000.00`` are one figure; a float by its shortest repr), a list as a list, a date as
a date. Per table: the row count, the sum of every amount column (``*_eur``) and a SHA-256 of the
rows sorted by their key columns then by every value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ingest.readers import Reader

COMPARED_SCHEMAS = ("marts", "analytics", "reference")


@dataclass(frozen=True)
class TableFigures:
    rows: int
    amounts: dict[str, Decimal]
    digest: str

    def differences(self, other: TableFigures) -> list[str]:
        said = []
        if self.rows != other.rows:
            said.append(f"rows {self.rows} vs {other.rows}")
        for column in sorted(set(self.amounts) | set(other.amounts)):
            mine, theirs = self.amounts.get(column), other.amounts.get(column)
            if mine != theirs:
                said.append(f"sum({column}) {mine} vs {theirs}")
        if self.digest != other.digest and not said:
            said.append("same counts and sums, different rows")
        return said


def canonical(value: Any) -> Any:
    """One value as both engines agree on it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
        return "0" if number == 0 else format(number.normalize(), "f")
    if isinstance(value, float):
        return canonical(Decimal(repr(value)))
    if isinstance(value, (list, tuple)):
        return tuple(canonical(v) for v in value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _sort_key(row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple((v is None, repr(v)) for v in row)


def table_figures(reader: Reader, schema: str, table: str, columns: list[str]) -> TableFigures:
    quoted = ", ".join(f'"{c}"' for c in columns)
    rows = [
        tuple(canonical(v) for v in row) for row in reader.rows(f'select {quoted} from {schema}."{table}"')
    ]
    rows.sort(key=_sort_key)
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(row).encode())
        digest.update(b"\n")
    amounts: dict[str, Decimal] = {}
    for index, column in enumerate(columns):
        if column.endswith("_eur"):
            values = [r[index] for r in rows if r[index] is not None and not isinstance(r[index], tuple)]
            amounts[column] = sum((Decimal(v) for v in values), Decimal(0))
    return TableFigures(len(rows), amounts, digest.hexdigest())


def published_tables(reader: Reader) -> dict[tuple[str, str], list[str]]:
    """Every table and view of the compared schemas with its columns, in order."""
    tables: dict[tuple[str, str], list[str]] = {}
    schemas = ", ".join(f"'{schema}'" for schema in COMPARED_SCHEMAS)
    for schema, table, column in reader.rows(
        "select table_schema, table_name, column_name from information_schema.columns"
        f" where table_schema in ({schemas}) order by table_schema, table_name, ordinal_position"
    ):
        tables.setdefault((schema, table), []).append(column)
    return tables


def compare(left: Reader, right: Reader) -> dict[str, list[str]]:
    """The differences per table (``schema.table``); empty when the two publish the same."""
    mine, theirs = published_tables(left), published_tables(right)
    found: dict[str, list[str]] = {}
    for key in sorted(set(mine) | set(theirs)):
        name = ".".join(key)
        if key not in theirs or key not in mine:
            found[name] = [f"only in {'the first' if key in mine else 'the second'}"]
            continue
        if mine[key] != theirs[key]:
            found[name] = [f"columns differ: {mine[key]} vs {theirs[key]}"]
            continue
        said = table_figures(left, *key, mine[key]).differences(table_figures(right, *key, theirs[key]))
        if said:
            found[name] = said
    return found
