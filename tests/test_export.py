"""`cdv export scdl`: the funding lines in the SCDL subventions schema, validated with frictionless
against ingest/schemas/scdl_subventions.json, adding up to analytics.funding_lines, written exactly
where asked and nowhere else."""

from __future__ import annotations

import csv
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from frictionless import Resource, Schema

from ingest.cli import main
from ingest.export import EMPTY_FIELDS, PARTLY_EMPTY_FIELDS, SCDL_FIELDS, SCHEMA_PATH


@pytest.fixture(scope="module")
def exported(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "subventions.csv"
    assert main(["export", "scdl", "--db", str(warehouse), "--output", str(out)]) == 0
    return out


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def schema(relax: set[str] = frozenset()) -> Schema:
    descriptor = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    descriptor.pop("$comment", None)
    for field in descriptor["fields"]:
        if field["name"] in relax:
            field.get("constraints", {}).pop("required", None)
    return Schema.from_descriptor(descriptor)


def validate(path: Path, relax: set[str] = frozenset()):
    # frictionless refuses absolute paths as unsafe: give the folder as basepath.
    return Resource(path=path.name, basepath=str(path.parent), schema=schema(relax)).validate()


def test_schema_has_the_scdl_fields_in_order() -> None:
    assert [f.name for f in schema().fields] == SCDL_FIELDS
    assert len(SCDL_FIELDS) == 14


def test_export_is_valid_scdl_where_the_sources_give_the_fields(exported: Path) -> None:
    # Valid once the fields the sources never give are allowed to be empty...
    report = validate(exported, set(EMPTY_FIELDS) | set(PARTLY_EMPTY_FIELDS))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    # ...and against the full schema, the only errors are those required fields left empty.
    strict = validate(exported)
    errors = Counter(tuple(e) for e in strict.flatten(["type", "fieldName", "note"]))
    assert errors, "the export claims fields the sources do not give"
    for (kind, name, note), _ in errors.items():
        assert kind == "constraint-error" and '"required"' in note, (kind, name, note)
        assert name in EMPTY_FIELDS or name in PARTLY_EMPTY_FIELDS, name


def test_export_adds_up_to_the_funding_lines(exported: Path, wh) -> None:
    rows = read_rows(exported)
    count, total = wh.execute("select count(*), sum(amount_eur) from analytics.funding_lines").fetchone()
    assert len(rows) == count
    assert sum(Decimal(r["montant"]) for r in rows) == total
    assert list(rows[0]) == SCDL_FIELDS


def test_export_fills_what_the_sources_give(exported: Path, wh) -> None:
    rows = read_rows(exported)
    for name in EMPTY_FIELDS:
        assert all(r[name] == "" for r in rows), name
    assert all(r["objet"] and len(r["objet"]) <= 256 for r in rows)
    assert {r["nature"] for r in rows} <= {"aide en numéraire", "aide en nature"}
    in_kind = wh.execute("select count(*) from analytics.funding_lines where is_in_kind").fetchone()[0]
    assert sum(r["nature"] == "aide en nature" for r in rows) == in_kind
    periods = Counter(r["datesPeriodeVersement"] for r in rows)
    expected = Counter(
        f"{start}-01-01/{end}-12-31"
        for start, end in wh.execute("select year_start, year_end from analytics.funding_lines").fetchall()
    )
    assert periods == expected
    named = wh.execute(
        "select count(*) from analytics.funding_lines where funder_code <> 'NON_IDENTIFIE'"
    ).fetchone()[0]
    assert sum(bool(r["nomAttribuant"]) for r in rows) == named
    # The Département's lines carry its name and the fiche they fund.
    cd66 = [r for r in rows if r["nomAttribuant"].startswith("Département (")]
    assert cd66 and all(r["objet"].startswith("Fiche action ") for r in cd66)


def test_stderr_says_which_fields_are_empty_and_why(warehouse: Path, capsys) -> None:
    assert main(["export", "scdl", "--db", str(warehouse)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == ",".join(SCDL_FIELDS)  # no --output: the CSV on standard output
    for name, why in EMPTY_FIELDS.items():
        assert f"{name}: {why}" in err
    assert "exported" in err and "funding lines" in err


def test_output_is_written_exactly_there_and_nowhere_else(warehouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "named.csv"
    target.parent.mkdir()
    before = set(tmp_path.rglob("*"))
    assert main(["export", "scdl", "--db", str(warehouse), "-o", str(target)]) == 0
    assert set(tmp_path.rglob("*")) - before == {target}


def test_output_never_escapes_the_named_file(warehouse: Path, tmp_path: Path, capsys) -> None:
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("keep me\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(elsewhere)
    assert main(["export", "scdl", "--db", str(warehouse), "-o", str(link)]) == 2
    assert elsewhere.read_text(encoding="utf-8") == "keep me\n"  # the link's target untouched
    assert "symbolic link" in capsys.readouterr().err

    missing = tmp_path / "no" / "such" / "dir" / "x.csv"
    assert main(["export", "scdl", "--db", str(warehouse), "-o", str(missing)]) == 2
    assert not (tmp_path / "no").exists()  # no folder created

    assert main(["export", "scdl", "--db", str(warehouse), "-o", str(tmp_path)]) == 2  # a folder
    size = warehouse.stat().st_size
    assert main(["export", "scdl", "--db", str(warehouse), "-o", str(warehouse)]) == 2  # the warehouse
    assert warehouse.stat().st_size == size
    err = capsys.readouterr().err
    assert "no such folder" in err and "is a folder" in err and "warehouse itself" in err


def test_missing_warehouse_is_a_clear_error(tmp_path: Path, capsys) -> None:
    out = tmp_path / "x.csv"
    assert main(["export", "scdl", "--db", str(tmp_path / "none.duckdb"), "-o", str(out)]) == 2
    assert not out.exists()
    assert "no warehouse" in capsys.readouterr().err
