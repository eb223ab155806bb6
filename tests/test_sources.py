"""Every raw table the ingest writes is a table of the dbt source of its source system (``documents``
or ``anct``), under the name ``ingest.schema.dbt_source`` gives it: the build selects what a changed
raw table reaches by that name."""

from __future__ import annotations

from pathlib import Path

import yaml

from ingest.schema import RAW_TABLES, dbt_source

MODELS = Path(__file__).resolve().parent.parent / "models"


def test_every_raw_table_is_in_its_source_system():
    declared: dict[tuple[str, str], str] = {}
    for path in MODELS.rglob("*.yml"):
        for source in yaml.safe_load(path.read_text(encoding="utf-8")).get("sources", []) or []:
            # raw, or a PostgreSQL build's own raw__next (CDV_SCHEMA_SUFFIX, as every other schema)
            assert source["schema"] == "raw{{ env_var('CDV_SCHEMA_SUFFIX', '') }}", path
            for table in source["tables"]:
                declared[(source["name"], table["name"])] = table.get("identifier", table["name"])
    assert {name for name, _ in declared} == {"documents", "anct"}
    for table in RAW_TABLES:
        assert declared.get(dbt_source(table)) == table, table
    assert len(declared) == len(RAW_TABLES)
