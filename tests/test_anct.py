"""ANCT open data: every post of every file reaches raw.anct_posts, to the cent, whatever the drift."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import anct
from ingest.kinds import recognise
from ingest.loading import connect
from ingest.pipeline import ingest_paths, read_document
from ingest.reading import read_file

from .conftest import LEZIGNAN, PERPIGNAN, ROOT

ANCT = ROOT / "data" / "anct"
POST_FILES = sorted(ANCT.glob("postes-fonjep-*.json")) + sorted(ANCT.glob("adulte-relais-*.json"))
CONTRACT_FILES = [ANCT / "geom_cv_ctr.json", ANCT / "geom_cv_ctr_2015-2023.json"]
TEXT_FILES = [PERPIGNAN, LEZIGNAN]

# Checked by hand: postes-fonjep-2020.json lists 1374 posts at 7164, 27 at 3582, 12 at 5970, 8 at 5373,
# 7 at 6567, 7 at 2388, 5 at 1194, 4 at 1791, 4 at 4179, 2 at 2985, 2 at 4776, 2 at 597 and one at
# 2089.5; adulte-relais-2024.json lists 4949 posts, all at 22810.61.
HAND_CHECKED = {
    "postes-fonjep-2020.json": (1455, Decimal("10166014.50")),
    "adulte-relais-2024.json": (4949, Decimal("112889708.89")),
}


def _expected(path: Path) -> tuple[int, Decimal]:
    """Row count and total of montant, read independently of the parser (json + Decimal)."""
    records = json.loads(path.read_text(encoding="utf-8"))
    return len(records), sum((Decimal(str(r["montant"])) for r in records), Decimal("0"))


def _parse(path: Path):
    lines = read_file(path).lines
    return anct.parse_posts(lines)


def _write(tmp_path: Path, name: str, content: object) -> Path:
    path = tmp_path / name
    path.write_text(
        content if isinstance(content, str) else json.dumps(content, ensure_ascii=False), encoding="utf-8"
    )
    return path


def _rules(issues) -> Counter[str]:
    return Counter(issue.rule for issue in issues)


# --- the real files -------------------------------------------------------------------------------


def test_the_data_set_is_the_one_expected() -> None:
    assert len(POST_FILES) == 12 and all(path.exists() for path in CONTRACT_FILES)


@pytest.mark.parametrize("path", POST_FILES, ids=lambda p: p.name)
def test_every_record_and_every_cent_of_a_post_file_is_parsed(path: Path) -> None:
    count, total = _expected(path)
    result = _parse(path)
    rows = result.tables["anct_posts"]
    assert len(rows) == count
    assert sum(row["amount_eur"] for row in rows) == total
    assert not [issue for issue in result.issues if issue.severity == "error"]
    records = json.loads(path.read_text(encoding="utf-8"))
    assert [row["source_line"] for row in rows] == list(range(1, count + 1))
    first, last = rows[0], rows[-1]
    assert json.loads(first["source_text"]) == records[0] and json.loads(last["source_text"]) == records[-1]
    assert first["source_text"] == json.dumps(records[0], ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize("name", sorted(HAND_CHECKED))
def test_hand_checked_totals(name: str) -> None:
    rows = _parse(ANCT / name).tables["anct_posts"]
    assert (len(rows), sum(row["amount_eur"] for row in rows)) == HAND_CHECKED[name]
    assert _expected(ANCT / name) == HAND_CHECKED[name]


@pytest.mark.parametrize("path", POST_FILES, ids=lambda p: p.name)
def test_the_dispositif_comes_from_the_ids_not_the_file_name(path: Path) -> None:
    rows = _parse(path).tables["anct_posts"]
    expected = "FONJEP_PV" if path.name.startswith("postes-fonjep") else "ADULTES_RELAIS"
    assert {row["dispositif_code"] for row in rows} == {expected}
    # Every real id has its dispositif's shape: none needed the file-wide fallback.
    assert all(anct.dispositif_of(row["id_poste"]) == expected for row in rows)


def test_a_renamed_file_keeps_its_dispositif(tmp_path: Path) -> None:
    fonjep = _write(
        tmp_path, "adulte-relais-2099.json", (ANCT / "postes-fonjep-2021.json").read_text("utf-8")
    )
    doc = read_document(fonjep)
    assert doc.kind == anct.KIND_POSTS
    assert {row["dispositif_code"] for row in doc.result.tables["anct_posts"]} == {"FONJEP_PV"}


def test_year_amount_and_holder_across_the_drift() -> None:
    old = _parse(ANCT / "adulte-relais-2020.json").tables["anct_posts"][0]
    assert (old["year"], old["year_text"], old["amount_eur"], old["amount_text"]) == (
        2020,
        "2020",
        Decimal("19875.06"),
        "19875.06",
    )
    assert old["siret"] == old["code_tiers"] == "77554402601284"
    fonjep_2020 = _parse(ANCT / "postes-fonjep-2020.json").tables["anct_posts"][0]
    assert fonjep_2020["code_tiers"].startswith("AMATRAMI") and fonjep_2020["siret"] is None
    result = _parse(ANCT / "postes-fonjep-2024.json")
    new = result.tables["anct_posts"][0]
    assert (new["year"], new["year_text"], new["code_tiers"], new["contract_code"]) == (
        2024,
        "2024",
        None,
        "CN01102I",
    )
    assert "missing_code_tiers" in _rules(result.issues)


def test_oddities_of_the_real_files_are_reported_once_per_file() -> None:
    result = _parse(ANCT / "adulte-relais-2020.json")
    unknown = [i for i in result.issues if i.rule == "unknown_contract_code"]
    assert sorted(i.message.split("'")[1] for i in unknown) == ["CV380CV384", "CV382CV384", "CV383CV384"]
    rules = _rules(_parse(ANCT / "postes-fonjep-2025.json").issues)
    assert rules["duplicate_id_poste"] == 1 and rules["repeated_record"] == 1
    assert rules["missing_code_cv"] == 1 and rules["non_positive_amount"] == 2


@pytest.mark.parametrize("path", CONTRACT_FILES, ids=lambda p: p.name)
def test_contract_lists(path: Path) -> None:
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    result = anct.parse_contracts(read_file(path).lines)
    rows = result.tables["anct_contracts"]
    assert len(rows) == len(features)
    assert [row["contract_code"] for row in rows] == [f["properties"]["code_cv"] for f in features]
    assert all(
        row["generation"] == ("2015-2023" if row["contract_code"].startswith("CV") else "2024-2030")
        for row in rows
    )
    assert "unknown_contract_code" not in _rules(result.issues)
    assert _rules(result.issues)["duplicate_contract_code"] == 1
    first = rows[0]
    assert first["longitude"] == features[0]["geometry"]["coordinates"][0]
    assert first["epci_siren"] == first["codgeo"] and first["commune_insee"] is None


def test_a_contract_without_geometry_is_kept_without_coordinates() -> None:
    rows = anct.parse_contracts(read_file(ANCT / "geom_cv_ctr.json").lines).tables["anct_contracts"]
    pacific = next(row for row in rows if row["contract_code"] == "CV419")
    assert pacific["longitude"] is None and pacific["latitude"] is None and pacific["pop_qpv"] == 7865.0
    grand_lac = next(row for row in rows if row["contract_code"] == "CN07303M")
    assert (
        grand_lac["insee_dep"] is None and grand_lac["pop_qpv"] is None and grand_lac["longitude"] is not None
    )
    cayenne = next(row for row in rows if row["contract_code"] == "CV380")
    assert cayenne["commune_insee"] == "97302" and cayenne["epci_siren"] is None


# --- loading: nothing is lost, to the cent ---------------------------------------------------------


def test_ingest_keeps_every_post_to_the_cent(tmp_path: Path) -> None:
    con = connect(str(tmp_path / "w.duckdb"))
    report = ingest_paths(con, [ANCT])
    assert len(report.loaded) == 14 and not report.rejected
    loaded = {
        name: (count, total)
        for name, count, total in con.execute(
            "select document_file, count(*), sum(amount_eur) from raw.anct_posts group by document_file"
        ).fetchall()
    }
    assert loaded == {path.name: _expected(path) for path in POST_FILES}
    kinds = dict(con.execute("select document_file, kind from raw.documents").fetchall())
    assert {kinds[p.name] for p in POST_FILES} == {anct.KIND_POSTS}
    assert {kinds[p.name] for p in CONTRACT_FILES} == {anct.KIND_CONTRACTS}
    contracts = con.execute("select count(*) from raw.anct_contracts").fetchone()[0]
    assert contracts == sum(len(json.loads(p.read_text("utf-8"))["features"]) for p in CONTRACT_FILES)
    # Provenance: every row and every anchored issue shows the record found at its source_line.
    records = {p.name: json.loads(p.read_text("utf-8")) for p in POST_FILES}
    records |= {p.name: json.loads(p.read_text("utf-8"))["features"] for p in CONTRACT_FILES}
    for table in ("anct_posts", "anct_contracts", "ingest_issues"):
        rows = con.execute(
            f"select document_file, source_line, source_text from raw.{table} where source_line is not null"
        ).fetchall()
        assert rows, table
        for name, line, text in rows:
            assert text == json.dumps(records[name][line - 1], ensure_ascii=False, separators=(",", ":"))
    # Local row ids, unique within their document; the staging key adds the document hash.
    assert con.execute(
        "select count(*) = count(distinct document_sha256 || post_row_id) from raw.anct_posts"
    ).fetchone()[0]


def test_anct_documents_belong_to_no_single_contract() -> None:
    for path in (ANCT / "adulte-relais-2020.json", ANCT / "geom_cv_ctr_2015-2023.json"):
        doc = read_document(path)
        assert doc.result.contract_code is None
        assert "unknown_contract" not in _rules(doc.issues)


# --- detection -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", POST_FILES + CONTRACT_FILES + TEXT_FILES, ids=lambda p: p.name)
def test_detection_from_content(path: Path) -> None:
    text = read_file(path).text
    posts, contracts = anct.detect_posts(text), anct.detect_contracts(text)
    if path in POST_FILES:
        assert (posts, contracts) == (1.0, 0.0)
        assert recognise(text).name == anct.KIND_POSTS
    elif path in CONTRACT_FILES:
        assert (posts, contracts) == (0.0, 1.0)
        assert recognise(text).name == anct.KIND_CONTRACTS
    else:
        assert (posts, contracts) == (0.0, 0.0)
        assert recognise(text).name not in (anct.KIND_POSTS, anct.KIND_CONTRACTS)
    # Only the head is read: the score of the first few KB is the score of the file.
    head = text[: anct.DETECT_HEAD_CHARS]
    assert (anct.detect_posts(head), anct.detect_contracts(head)) == (posts, contracts)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello world",
        "[1, 2, 3]",
        '{"a": 1}',
        "[[]]",
        '[{"id": 1, "amount": 2}]',
        "\x00\x01",
        "{" * 5000,
        '{"type": "FeatureCollection", "features": []}',
        '["id_poste", "montant"]',
    ],
)
def test_other_text_is_not_anct(text: str) -> None:
    assert anct.detect_posts(text) == 0.0
    assert anct.detect_contracts(text) == 0.0


# --- drift: synthetic files --------------------------------------------------------------------------

BASE = [
    {
        "id_poste": "D01688",
        "code_tiers": "ASSO A",
        "raison_sociale": "ASSO A",
        "montant": 7164,
        "annee": 2024,
        "code_cv": "CN00104M",
        "insee_dep": "01",
        "insee_reg": "84",
    },
    {
        "id_poste": "S03785",
        "code_tiers": "12345678901234",
        "raison_sociale": "ASSO B",
        "montant": 3582.5,
        "annee": 2024,
        "code_cv": "CV001",
        "insee_dep": "01",
        "insee_reg": "84",
    },
]


def _doc(tmp_path: Path, content: object, name: str = "posts.json"):
    return read_document(_write(tmp_path, name, content))


def test_fields_reordered(tmp_path: Path) -> None:
    reordered = [dict(reversed(list(record.items()))) for record in BASE]
    before = _doc(tmp_path, BASE, "a.json").result.tables["anct_posts"]
    after = _doc(tmp_path, reordered, "b.json").result.tables["anct_posts"]
    ignore = {"source_text"}
    assert [{k: v for k, v in r.items() if k not in ignore} for r in after] == [
        {k: v for k, v in r.items() if k not in ignore} for r in before
    ]
    assert after[1]["siret"] == "12345678901234" and after[1]["amount_eur"] == Decimal("3582.50")


def test_field_dropped(tmp_path: Path) -> None:
    doc = _doc(tmp_path, [{k: v for k, v in r.items() if k != "code_tiers"} for r in BASE])
    rows = doc.result.tables["anct_posts"]
    assert doc.kind == anct.KIND_POSTS and len(rows) == 2
    assert all(row["code_tiers"] is None and row["siret"] is None for row in rows)
    assert _rules(doc.result.issues)["missing_code_tiers"] == 1


def test_field_added(tmp_path: Path) -> None:
    doc = _doc(tmp_path, [dict(r, quartier="QN001001", etp=1) for r in BASE])
    rows = doc.result.tables["anct_posts"]
    assert [json.loads(row["extra_json"]) for row in rows] == [{"quartier": "QN001001", "etp": 1}] * 2
    warnings = [i for i in doc.result.issues if i.rule == "unknown_fields"]
    assert len(warnings) == 1 and warnings[0].severity == "warning"
    assert "quartier (2 records)" in warnings[0].message and "etp (2 records)" in warnings[0].message


def test_field_renamed_only_in_case_or_accents(tmp_path: Path) -> None:
    doc = _doc(tmp_path, [{"ID_POSTE": "D00001", "Montant": 10, "Année": "2025"}])
    row = doc.result.tables["anct_posts"][0]
    assert (row["id_poste"], row["amount_eur"], row["year"], row["extra_json"]) == (
        "D00001",
        Decimal("10.00"),
        2025,
        None,
    )


def test_year_as_text_and_amount_with_a_decimal_comma(tmp_path: Path) -> None:
    records = [
        dict(BASE[0], annee="2024", montant="7164,5"),
        dict(BASE[1], annee=" 2025 ", montant="7 164,50 €"),
    ]
    doc = _doc(tmp_path, records)
    rows = doc.result.tables["anct_posts"]
    assert [(r["year"], r["year_text"]) for r in rows] == [(2024, "2024"), (2025, " 2025 ")]
    assert [(r["amount_eur"], r["amount_text"]) for r in rows] == [
        (Decimal("7164.50"), "7164,5"),
        (Decimal("7164.50"), "7 164,50 €"),
    ]
    assert not [i for i in doc.result.issues if i.rule in ("unreadable_amount", "unreadable_year")]


@pytest.mark.parametrize(
    ("montant", "expected"),
    [
        (7164, "7164.00"),
        (19875.06, "19875.06"),
        ("7164,5", "7164.50"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("7164 EUR", "7164.00"),
        ("0.005", "0.01"),
        (None, None),
        ("abc", None),
        ("NaN", None),
        (True, None),
        ([1], None),
        (float("inf"), None),
        ("1e30", None),
    ],
)
def test_amount_readings(montant: object, expected: str | None) -> None:
    amount, _, problem = anct.parse_amount(montant)
    assert amount == (Decimal(expected) if expected else None)
    assert bool(problem) == (expected is None or montant == "0.005")


def test_unknown_contract_code_is_one_warning_per_code(tmp_path: Path) -> None:
    records = [dict(BASE[0], code_cv="CV999")] * 3 + [dict(BASE[1], code_cv="XX1")] + BASE
    doc = _doc(tmp_path, records)
    unknown = [i for i in doc.result.issues if i.rule == "unknown_contract_code"]
    assert sorted(i.message.split("'")[1] for i in unknown) == ["CV999", "XX1"]
    assert all(i.severity == "warning" for i in unknown)
    assert len(doc.result.tables["anct_posts"]) == 6


def test_missing_required_fields_keep_the_row(tmp_path: Path) -> None:
    records = [
        {k: v for k, v in BASE[0].items() if k != "montant"},
        {k: v for k, v in BASE[0].items() if k != "id_poste"},
        dict(BASE[0], annee="deux mille"),
        dict(BASE[0], montant="beaucoup"),
    ]
    doc = _doc(tmp_path, records)
    rows = doc.result.tables["anct_posts"]
    assert len(rows) == 4
    assert rows[0]["amount_eur"] is None and rows[0]["amount_text"] is None
    assert rows[1]["id_poste"] is None and rows[1]["dispositif_code"] == "FONJEP_PV"
    assert rows[2]["year"] is None and rows[2]["year_text"] == "deux mille"
    assert rows[3]["amount_eur"] is None and rows[3]["amount_text"] == "beaucoup"
    rules = _rules(doc.result.issues)
    assert (
        rules["unreadable_amount"] == 2 and rules["missing_id_poste"] == 1 and rules["unreadable_year"] == 1
    )


def test_record_issues_are_capped_then_summed_up(tmp_path: Path) -> None:
    records = [dict(BASE[0], id_poste=f"D{n:05d}", montant="?") for n in range(100)]
    doc = _doc(tmp_path, records)
    issues = [i for i in doc.result.issues if i.rule == "unreadable_amount"]
    assert len(issues) == anct.ROW_ISSUE_CAP + 1 and "100 records in all" in issues[-1].message
    assert len(doc.result.tables["anct_posts"]) == 100


def test_dispositif_when_ids_do_not_tell(tmp_path: Path) -> None:
    odd = [dict(BASE[0], id_poste="X-1"), dict(BASE[1], id_poste="00112R000102")]
    rows = _doc(tmp_path, BASE + [odd[0]], "a.json").result
    assert [r["dispositif_code"] for r in rows.tables["anct_posts"]] == ["FONJEP_PV"] * 3
    assert "unrecognised_post_id" in _rules(rows.issues)
    # No id tells: the amounts do (a FONJEP unit of 7 164 €), and the dispositif is never NULL.
    unknown = anct.parse_posts([json.dumps([odd[0], dict(BASE[0], id_poste="???")])])
    assert {r["dispositif_code"] for r in unknown.tables["anct_posts"]} == {"FONJEP_PV"}
    assert "unknown_dispositif" in _rules(unknown.issues)
    relais = anct.parse_posts(
        [json.dumps([dict(BASE[0], id_poste=f"P{n}", montant=22810.61) for n in range(3)])]
    )
    assert {r["dispositif_code"] for r in relais.tables["anct_posts"]} == {"ADULTES_RELAIS"}
    odd_amounts = anct.parse_posts(
        [json.dumps([dict(BASE[0], id_poste=f"P{n}", montant=1234 + n) for n in range(3)])]
    )
    assert {r["dispositif_code"] for r in odd_amounts.tables["anct_posts"]} == {"POSTE_ETAT"}
    # A known shape inside a prefixed id still tells.
    assert anct.dispositif_of("FONJEP-D01688") == "FONJEP_PV"
    assert anct.dispositif_of("AR/00112R000102") == "ADULTES_RELAIS"
    mixed = _doc(tmp_path, BASE + odd, "b.json").result
    assert [r["dispositif_code"] for r in mixed.tables["anct_posts"]] == [
        "FONJEP_PV",
        "FONJEP_PV",
        "FONJEP_PV",
        "ADULTES_RELAIS",
    ]
    assert {"mixed_dispositifs", "unknown_dispositif"} <= set(_rules(mixed.issues))


def test_a_dict_instead_of_a_list(tmp_path: Path) -> None:
    single = _doc(tmp_path, BASE[0], "single.json")
    assert single.kind == anct.KIND_POSTS and len(single.result.tables["anct_posts"]) == 1
    assert "single_record" in _rules(single.result.issues)
    wrapped = anct.parse_posts([json.dumps({"data": BASE, "count": 2})])
    assert len(wrapped.tables["anct_posts"]) == 2 and "wrapped_records" in _rules(wrapped.issues)
    other = anct.parse_posts([json.dumps({"hello": "world"})])
    assert not other.tables["anct_posts"] and _rules(other.issues)["unexpected_json_shape"] == 1


def test_truncated_json_keeps_the_records_before_the_damage(tmp_path: Path) -> None:
    text = json.dumps(BASE * 3)
    doc = _doc(tmp_path, text[: len(text) - 40])
    assert doc.kind == anct.KIND_POSTS
    rows = doc.result.tables["anct_posts"]
    assert len(rows) == 5
    errors = [i for i in doc.result.issues if i.severity == "error"]
    assert (
        len(errors) == 1 and errors[0].rule == "invalid_json" and "5 records before it" in errors[0].message
    )
    garbage = anct.parse_posts(['[{"id_poste": "D1", "montant": 1}, {"id_poste": oops}]'])
    assert len(garbage.tables["anct_posts"]) == 1 and _rules(garbage.issues)["invalid_json"] == 1
    contracts = anct.parse_contracts(read_file(ANCT / "geom_cv_ctr.json").lines[:40])
    assert len(contracts.tables["anct_contracts"]) > 20 and _rules(contracts.issues)["invalid_json"] == 1


def test_pathological_json_never_raises() -> None:
    huge = '[{"id_poste": "D00001", "montant": 1}, {"id_poste": "D00002", "montant": 1' + "0" * 5000 + "}]"
    result = anct.parse_posts([huge])
    assert len(result.tables["anct_posts"]) == 1 and _rules(result.issues)["invalid_json"] == 1
    assert _rules(anct.parse_posts(["[" * 100_000]).issues)["invalid_json"] == 1
    deep = '{"type": "FeatureCollection", "features": [' + "[" * 100_000
    assert _rules(anct.parse_contracts([deep]).issues)["invalid_json"] == 1
    assert anct.detect_posts("[" + "{" * 100_000) == 0.0


def test_empty_list_and_empty_file(tmp_path: Path) -> None:
    empty = anct.parse_posts(["[]"])
    assert not empty.tables["anct_posts"] and _rules(empty.issues)["no_records"] == 1
    assert _doc(tmp_path, "[]").kind == "unknown"
    assert _doc(tmp_path, "", "blank.json").kind == "unknown"
    assert anct.parse_posts([]).tables["anct_posts"] == []
    assert (
        anct.parse_contracts(['{"type": "FeatureCollection", "features": []}']).tables["anct_contracts"] == []
    )


def test_items_that_are_not_objects(tmp_path: Path) -> None:
    doc = _doc(tmp_path, [BASE[0], "a string", 42, None, BASE[1]])
    rows = doc.result.tables["anct_posts"]
    assert [row["source_line"] for row in rows] == [1, 5]
    assert _rules(doc.result.issues)["record_not_object"] == 3


def test_contracts_drift(tmp_path: Path) -> None:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "code_cv": "CN00101I",
                    "codgeo": "200040350",
                    "lib_cv": "01 - X",
                    "pop": "1 104,5",
                    "nouveau": 1,
                },
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 1], [0, 0]]]},
            },
            {
                "type": "Feature",
                "properties": {"code_cv": "ZZ1", "codgeo": "97302"},
                "geometry": {"type": "Point", "coordinates": [1.5, 2.5]},
            },
            "not a feature",
        ],
    }
    doc = _doc(tmp_path, collection, "contracts.json")
    assert doc.kind == anct.KIND_CONTRACTS
    rows = doc.result.tables["anct_contracts"]
    assert [(r["contract_code"], r["generation"], r["pop_qpv"], r["longitude"]) for r in rows] == [
        ("CN00101I", "2024-2030", 1104.5, None),
        ("ZZ1", None, None, 1.5),
    ]
    assert json.loads(rows[0]["extra_json"]) == {"nouveau": 1}
    rules = _rules(doc.result.issues)
    assert rules["unknown_fields"] == 1 and rules["unknown_contract_code"] == 1
    assert (
        rules["unknown_code_shape"] == 1
        and rules["no_point"] == 1
        and rules["feature_without_properties"] == 1
    )
    bare = anct.parse_contracts([json.dumps(collection["features"][:2])])
    assert len(bare.tables["anct_contracts"]) == 2 and "bare_feature_list" in _rules(bare.issues)
    assert _rules(anct.parse_contracts(["[1, 2]"]).issues)["feature_without_properties"] == 2


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_post_like = st.fixed_dictionaries(
    {}, optional={name: _json_values for name in anct.POST_FIELDS} | {"extra": _json_values}
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_post_like | _json_values, max_size=6), st.integers(min_value=0, max_value=400))
def test_the_parsers_never_raise(records: list[object], cut: int) -> None:
    text = json.dumps(records, ensure_ascii=False)
    for candidate in (text, text[:cut]):
        for parse in (anct.parse_posts, anct.parse_contracts):
            result = parse(candidate.split("\n"))
            for rows in result.tables.values():
                assert all(isinstance(row["source_line"], int) for row in rows)
        anct.detect_posts(candidate)
        anct.detect_contracts(candidate)


def test_a_drifted_file_of_an_unseen_shape_still_publishes(tmp_path: Path) -> None:
    """Prefixed ids of no known shape, fields reordered, annee as text, no code_tiers, an unknown
    field: the posts are still the State's money (their dispositif told from their amounts, a FONJEP
    unit of 7 164 €), and the build publishes everything."""
    from ingest.build import build

    folder = tmp_path / "in"
    folder.mkdir()
    records = [
        {
            "annee": "2026",
            "montant": str(7164 * (1 + n % 2)),
            "id_poste": f"FJ-2026-{n:05d}",
            "raison_sociale": f"ASSO {n}",
            "code_cv": "CN01102I",
            "insee_dep": "11",
            "insee_reg": "76",
            "nouveau_champ": "x",
        }
        for n in range(20)
    ]
    (folder / "postes-2026.json").write_text(json.dumps(records), encoding="utf-8")
    (folder / "annexe.txt").write_bytes(
        (
            Path(__file__).resolve().parent.parent
            / "data"
            / "documents"
            / "lezignan-corbieres_annexe7_objectifs-bop.txt"
        ).read_bytes()
    )
    db = tmp_path / "w.duckdb"
    build(db, [folder], progress=lambda _: None)
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "select dispositif, funder_code, count(*), sum(amount_eur) from analytics.funding_lines group by all"
        ).fetchall()
        assert rows == [("FONJEP_PV", "ETAT", 20, Decimal("214920.00"))]
        assert con.execute("select count(*) from analytics.objective_bop").fetchone()[0] > 0
    finally:
        con.close()
