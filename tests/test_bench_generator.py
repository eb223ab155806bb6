"""The benchmark's synthetic corpus (bench/generate.py) and the parallel ingest it measures.

- the generator is reproducible: the same seed gives the same bytes, and document ``i`` does not
  depend on how many documents are generated;
- its documents parse with the counts it promises (fiches, funding tables, funding lines, annex
  rows, computed from the real documents block by block), and their contract is recognised or
  reported as the manifest says;
- its ANCT files keep the real records' shapes and are ten times as many records;
- ingesting with worker processes and batched loads gives the same raw tables as the serial,
  one-transaction-per-document ingest, on the real documents plus generated ones;
- unchanged documents are not parsed again, and a duplicate parsed ahead by a worker is still
  rejected.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from bench import generate
from ingest import pipeline
from ingest.loading import connect
from ingest.pipeline import ingest_paths, read_document
from ingest.schema import RAW_TABLES

from .conftest import LEZIGNAN, PERPIGNAN

ROOT = Path(__file__).resolve().parent.parent
ANCT_SAMPLE = "postes-fonjep-2024.json"


@pytest.fixture(scope="module")
def sources() -> generate.Sources:
    return generate.load_sources()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "corpus"
    generate.generate(
        out, documents=8, seed=7, known_share=0.4, annex_share=0.3, anct=False, progress=lambda _: None
    )
    return out


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_and_documents_independent_of_the_count(corpus: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate.generate(
        again, documents=8, seed=7, known_share=0.4, annex_share=0.3, anct=False, progress=lambda _: None
    )
    assert _digest(again) == _digest(corpus)
    fewer = tmp_path / "fewer"
    generate.generate(
        fewer, documents=3, seed=7, known_share=0.4, annex_share=0.3, anct=False, progress=lambda _: None
    )
    first = {k: v for k, v in _digest(corpus).items() if k.startswith("documents/") and k[10:14] < "0003"}
    assert {k: v for k, v in _digest(fewer).items() if k.startswith("documents/")} == first
    other = tmp_path / "other"
    generate.generate(
        other, documents=3, seed=8, known_share=0.4, annex_share=0.3, anct=False, progress=lambda _: None
    )
    assert _digest(other) != _digest(fewer)


def test_the_corpus_is_never_written_inside_the_repository() -> None:
    with pytest.raises(SystemExit):
        generate.generate(ROOT / "bench" / "corpus-here", documents=1, anct=False, progress=lambda _: None)
    assert not (ROOT / "bench" / "corpus-here").exists()


def _counts(doc) -> dict[str, int]:
    tables = doc.result.tables
    return {
        "fiches": len(tables.get("fiches", [])),
        "funding_tables": len(tables.get("funding_tables", [])),
        "funding_lines": len(tables.get("funding_lines", [])),
        "annex_objectives": len(tables.get("annex_objectives", [])),
    }


@pytest.mark.parametrize(
    ("maker", "national"),
    [
        (generate.generate_programme, False),
        (generate.generate_programme, True),
        (generate.generate_annex, False),
        (generate.generate_annex, True),
    ],
)
def test_generated_documents_parse_with_the_promised_counts(
    sources: generate.Sources, tmp_path: Path, maker, national: bool
) -> None:
    import random

    rng = random.Random(f"test:{maker.__name__}:{national}")
    contract = sources.contracts[17] if national else None
    made = maker(3, rng, sources, contract)
    path = tmp_path / made.file_name
    path.write_text(made.text, encoding="utf-8")
    doc = read_document(path)
    expected = {
        "fiches": made.fiches,
        "funding_tables": made.funding_tables,
        "funding_lines": made.funding_lines,
        "annex_objectives": made.annex_objectives,
    }
    assert _counts(doc) == expected
    assert doc.kind == made.kind
    assert doc.result.contract_code == made.contract_code
    rules = [issue.rule for issue in doc.issues]
    assert "unknown_contract" not in rules and "ambiguous_contract" not in rules
    assert not [issue for issue in doc.issues if issue.severity == "error"]
    if maker is generate.generate_programme:
        assert made.funding_lines > 0 and made.fiches > 1


def test_manifest_counts_hold_for_the_whole_small_corpus(corpus: Path) -> None:
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    kinds = set()
    for entry in manifest["documents"]:
        doc = read_document(corpus / "documents" / entry["file"])
        assert _counts(doc) == {k: entry[k] for k in _counts(doc)}, entry["file"]
        assert doc.result.contract_code == entry["contract_code"]
        kinds.add(
            (
                entry["kind"],
                entry["contract_code"] in (generate.KNOWN_PROGRAMME_CONTRACT, generate.KNOWN_ANNEX_CONTRACT),
            )
        )
    assert len(kinds) >= 3  # a mix of kinds and of the bundled contracts' / other contracts' names


def test_amounts_keep_their_shape_and_their_arithmetic() -> None:
    cases = {
        ("62 000", "", False): {1: "62 000", 3: "186 000"},
        ("12400", "", False): {3: "37200"},
        ("1", ".5", False): {7: "10.5"},
        ("19 875", ",06", False): {2: "39 750,12"},
        ("1000", "", True): {2: "2 000"},  # a bare 2000 would read as a year
    }
    for (integer, decimals, bare), expected in cases.items():
        amount = generate.Amount(integer, decimals, bare)
        for factor, text in expected.items():
            assert amount.render(factor) == text


def test_anct_files_are_ten_times_the_records_in_the_real_shapes(tmp_path: Path) -> None:
    out = tmp_path / "anct"
    out.mkdir()
    written = generate.write_anct(out, seed=1, only=(ANCT_SAMPLE,))
    real = json.loads((ROOT / "data" / "anct" / ANCT_SAMPLE).read_text(encoding="utf-8"))
    assert sorted(w["file"] for w in written) == ["postes-fonjep-2019.json", "postes-fonjep-2024.json"]
    assert sum(w["records"] for w in written) == 10 * len(real)
    again = tmp_path / "again"
    again.mkdir()
    generate.write_anct(again, seed=1, only=(ANCT_SAMPLE,))
    assert _digest(out) == _digest(again)
    shifted = json.loads((out / "postes-fonjep-2019.json").read_text(encoding="utf-8"))
    assert {type(r["annee"]) for r in shifted} == {type(r["annee"]) for r in real}
    assert {str(r["annee"]) for r in shifted} == {"2019"}
    doc = read_document(out / "postes-fonjep-2019.json")
    assert doc.kind == "anct_postes"
    rows = doc.result.tables["anct_posts"]
    assert len(rows) == len(shifted) and {r["dispositif_code"] for r in rows} == {"FONJEP_PV"}


def _raw_tables(db: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            table: con.execute(f"select * exclude (loaded_at) from raw.{table} order by all").fetchall()
            for table in RAW_TABLES
        }


def test_parallel_batched_ingest_gives_the_same_raw_tables_as_serial(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = [PERPIGNAN, LEZIGNAN, ROOT / "data" / "anct" / ANCT_SAMPLE, corpus / "documents"]
    serial_db, parallel_db = tmp_path / "serial.duckdb", tmp_path / "parallel.duckdb"
    monkeypatch.setenv("CDV_INGEST_BATCH", "1")
    con = connect(str(serial_db))
    serial = ingest_paths(con, inputs, workers=0)
    con.close()
    monkeypatch.setenv("CDV_INGEST_BATCH", "4")
    lines: list[str] = []
    con = connect(str(parallel_db))
    parallel = ingest_paths(con, inputs, workers=2, progress=lines.append)
    con.close()
    assert serial.loaded == parallel.loaded and serial.rows == parallel.rows
    assert [line.split("]")[0] for line in lines] == [
        f"[{n}/{len(serial.loaded)}" for n in range(1, len(lines) + 1)
    ]
    assert _raw_tables(serial_db) == _raw_tables(parallel_db)


def test_unchanged_documents_are_not_parsed_again(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = connect(str(tmp_path / "w.duckdb"))
    first = ingest_paths(con, [corpus / "documents"], workers=0)
    parsed: list[str] = []
    real = pipeline.prepare_document

    def counting(path: Path, hint: str | None = None):
        parsed.append(path.name)
        return real(path, hint)

    monkeypatch.setattr(pipeline, "prepare_document", counting)
    changed = sorted((corpus / "documents").iterdir())[2]
    copy = tmp_path / "docs"
    copy.mkdir()
    for path in (corpus / "documents").iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    (copy / changed.name).write_text(
        changed.read_text(encoding="utf-8") + "\nUne ligne de plus.\n", encoding="utf-8"
    )
    second = ingest_paths(con, [copy], workers=0)
    assert parsed == [changed.name]
    assert second.loaded == [changed.name] and len(second.unchanged) == len(first.loaded) - 1
    assert con.execute("select count(*) from raw.documents").fetchone()[0] == len(first.loaded)
    con.close()


def test_a_duplicate_parsed_ahead_by_a_worker_is_still_rejected(corpus: Path, tmp_path: Path) -> None:
    documents = sorted((corpus / "documents").iterdir())
    twin = tmp_path / "twin.txt"
    twin.write_bytes(documents[0].read_bytes())
    con = connect(str(tmp_path / "w.duckdb"))
    report = ingest_paths(con, [*documents[:3], twin], workers=2)
    assert report.rejected == [twin.name]
    assert con.execute("select count(*) from raw.documents").fetchone()[0] == 3
    rule = con.execute("select rule from raw.ingest_issues where document_file = ?", [twin.name]).fetchone()
    assert rule == ("duplicate_document",)
    con.close()
