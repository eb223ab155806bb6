"""The typed rows of ingest/rows.py name exactly the columns of their raw tables (ingest/schema.py),
less the provenance the loader adds."""

from __future__ import annotations

import typing

from ingest import rows
from ingest.schema import PROVENANCE, RAW_TABLES


def test_every_raw_table_has_its_typed_row_with_its_columns():
    provenance = {name for name, _ in PROVENANCE}
    assert set(rows.ROW_TYPES) == set(RAW_TABLES) - {"documents"}
    for table, row_type in rows.ROW_TYPES.items():
        columns = [name for name, _ in RAW_TABLES[table] if name not in provenance]
        assert list(typing.get_type_hints(row_type)) == columns, table
