"""Bad input: each bad file gets one clear issue, and every good document of the same run still loads.

Each case is a file made here from the real documents (or from nothing), ingested next to the real
documents (``data/documents`` first, so that a copy is the duplicate, not the original). The
ingest-level tests run one case each (fast); ``test_every_bad_input_in_one_build`` runs one
``cdv build`` of the real inputs plus all the bad files together and checks what reaches
``analytics.dq_issues``.

How each test was checked to fail without its safeguard (on a copy of the tree, the safeguard
removed, the test run): see the ``checked`` note of each case, and the comments of the tests below.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingest import programme
from ingest.loading import connect
from ingest.pipeline import ingest_paths
from ingest.reading import read_file

from .conftest import DOCUMENTS, LEZIGNAN, PERPIGNAN, ROOT

# One worker runs the build chain these modules share (tests/test_concurrency.py), under `pytest -n`.
pytestmark = pytest.mark.xdist_group("chain")

ANCT = ROOT / "data" / "anct"
HUGE_BYTES = 100_000_000


def _perpignan() -> list[str]:
    return PERPIGNAN.read_text(encoding="utf-8").split("\n")


def _huge(path: Path) -> None:
    """100 MB of real text, written in big chunks (well under a second)."""
    chunk = PERPIGNAN.read_bytes() * 64
    with path.open("wb") as out:
        written = 0
        while written < HUGE_BYTES:
            written += out.write(chunk[: HUGE_BYTES - written])


def _wrong_shape_json() -> bytes:
    """Posts keyed by their id, in an object, instead of a list of records."""
    records = json.loads((ANCT / "postes-fonjep-2024.json").read_text(encoding="utf-8"))[:3]
    return json.dumps({"postes": {r["id_poste"]: r for r in records}}, ensure_ascii=False).encode()


def _utf16_lezignan() -> bytes:
    lines = LEZIGNAN.read_text(encoding="utf-8").split("\n")
    lines[2] += " (version exportée en UTF-16)"  # another text than the real one: not a duplicate
    return "\n".join(lines).encode("utf-16")


def _extra_cells() -> bytes:
    lines = _perpignan()[:153]  # fiches 1-1-1 and 1-2-1 with their tables and totals
    # The crédits spécifiques row of 1-2-1 gets a 10th cell. It names its funder: one that names none
    # blocks the whole build today (see test_an_unidentified_funder_does_not_block_the_build).
    lines[149] += "\t\tCAF : 5 000 €"
    return "\n".join(lines).encode()


def _no_table() -> bytes:
    lines = _perpignan()
    # Fiche 1-1-1 whole, then 1-2-1's fields and its total, without its funding table (lines 147-150).
    return "\n".join(lines[:146] + lines[150:153]).encode()


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], None]
    rule: str
    severity: str
    line: int | None
    says: tuple[str, ...]
    loads_rows: bool  # whether content rows come from the file
    checked: str  # how the test was seen failing without the safeguard


def _writer(data: Callable[[], bytes]) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data())


CASES = [
    Case(
        "empty.txt",
        _writer(lambda: b""),
        "empty_file",
        "error",
        None,
        ("the file is empty", "nothing loaded"),
        False,
        "pipeline's empty-file check commented out: the file is sent to recognise() and gets unknown_kind",
    ),
    Case(
        "scan.pdf",
        _writer(lambda: b"%PDF-1.4\n" + bytes(range(256)) * 64),
        "unreadable_pdf",
        "error",
        None,
        ("the PDF cannot be read", "nothing loaded"),
        False,
        "convert._pdf raising instead of returning its issue: the whole ingest stops on one file",
    ),
    Case(
        "export.bin",
        _writer(lambda: b"\x7fELF\x02\x01" + bytes(range(256)) * 64),
        "binary_file",
        "error",
        None,
        ("binary, not text", "NUL byte", "not loaded"),
        False,
        "_looks_binary returning False: decoded as Latin-1, not_utf8 + unknown_kind, no binary_file",
    ),
    Case(
        "perpignan-latin1.txt",
        _writer(lambda: PERPIGNAN.read_text(encoding="utf-8").encode("cp1252", errors="replace")),
        "not_utf8",
        "warning",
        5,
        ("not UTF-8", "read as Windows-1252"),
        True,
        "the cp1252 fallback replaced by a strict UTF-8 decode: the ingest raises UnicodeDecodeError",
    ),
    Case(
        "lezignan-utf16.txt",
        _writer(_utf16_lezignan),
        "utf16_file",
        "info",
        None,
        ("UTF-16", "read as UTF-16"),
        True,
        "the UTF-16 branch of decode() removed: the NULs make the file binary_file, nothing loaded",
    ),
    Case(
        "perpignan-axe1-crlf.txt",
        _writer(lambda: "\r\n".join(_perpignan()[:251]).encode()),
        "crlf_line_endings",
        "info",
        None,
        ("Windows (CR LF) line endings", "read as line breaks"),
        True,
        "split_lines splitting on \\n only: the lines keep their \\r (test_readable_encodings_are_read)",
    ),
    Case(
        "perpignan-truncated.txt",
        _writer(lambda: "\n".join(_perpignan()[:137]).encode()),
        "truncated_document",
        "warning",
        137,
        ("ends inside fiche 1-2-1", "looks truncated", "what was read of the fiche is kept"),
        True,
        "check_truncation() not called: six missing_field infos and no truncated_document",
    ),
    Case(
        "perpignan-no-table.txt",
        _writer(_no_table),
        "fiche_without_funding_table",
        "info",
        127,
        ("fiche 1-2-1 has no funding table", "no funding line comes from it"),
        True,
        "the fiche_without_funding_table issue removed from emit_fiche: nothing said",
    ),
    Case(
        "perpignan-extra-cells.txt",
        _writer(_extra_cells),
        "cell_beyond_headers",
        "warning",
        150,
        ("a cell in column 10 but the table has 8 columns", "kept without header"),
        True,
        "add_cell without its width check: the cell is kept silently",
    ),
    Case(
        "copie-annexe-lezignan.txt",
        lambda p: shutil.copy(LEZIGNAN, p),
        "duplicate_document",
        "warning",
        None,
        (f"same content as {LEZIGNAN.name}", "not loaded twice"),
        False,
        "the duplicate branch of ingest_paths disabled: the annex is loaded twice (92 objectives)",
    ),
    Case(
        "huge.txt",
        _huge,
        "file_too_large",
        "error",
        None,
        ("the file is 100.0 MB", "CDV_MAX_INPUT_MB", "not read, nothing loaded"),
        False,
        "CDV_MAX_INPUT_MB=1000: the 100 MB text is read and parsed, the subprocess test times out",
    ),
    Case(
        "compte-rendu.txt",
        _writer(
            lambda: "Compte rendu du comité de pilotage\n\nPrésents : la Ville, l'État, la CAF.\n".encode()
        ),
        "unknown_kind",
        "error",
        1,
        ("no known document kind", "not parsed"),
        False,
        "recognise() returning a kind whatever the score: the text is parsed as a programme, no_fiche",
    ),
    Case(
        "postes-par-id.json",
        _writer(_wrong_shape_json),
        "unexpected_json_shape",
        "error",
        None,
        ("the document is a JSON dict, expected a list of records", "nothing loaded"),
        False,
        "_records() returning [] without its issue: the file loads nothing and says nothing",
    ),
]
CASE_IDS = [case.rule for case in CASES]

# Tables whose rows each document produces (raw.documents and raw.ingest_issues aside).
CONTENT_TABLES = (
    "fiches",
    "funding_tables",
    "funding_cells",
    "funding_lines",
    "annex_objectives",
    "anct_posts",
)


# Made and built once per session: tests/test_concurrency.py builds again from the same inputs (the
# second and third of the three consecutive builds of tests/test_idempotence.py).
_SHARED: dict[str, Any] = {}


def bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All the bad files, made once (the 100 MB one too)."""
    with _MADE:
        return _bad_inputs(tmp_path_factory)


_MADE = threading.Lock()


def _bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if "dir" not in _SHARED:
        folder = tmp_path_factory.mktemp("bad") / "bad"
        folder.mkdir()
        for case in CASES:
            case.make(folder / case.name)
        (folder / REPEATED_PAIR_ANNEX).write_bytes(_repeated_pair_annex())
        _SHARED["dir"] = folder
    return _SHARED["dir"]


# Read cleanly by the ingest, odd for the models: an annex whose continuation line repeats its row's
# BOP and service. It once failed the unique test of int_objective_bop_pairs, and every build with it.
REPEATED_PAIR_ANNEX = "annexe-bop-paire-repetee.txt"


def _repeated_pair_annex() -> bytes:
    lines = LEZIGNAN.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("PDEE_AS2_003\t"))
    assert "\t147\tDDCSPP\t" in lines[at]
    # Dated, so that it is the current version of the annex among the copies of the build (its
    # anomalies are those of a current document; a superseded one reaches no mart).
    return "\n".join(
        [
            *lines[: at + 1],
            "\tet des adultes-relais.\t147\tDDCSPP\t\t\t\t",
            *lines[at + 1 :],
            "Version modifiée du 2 décembre 2026",
        ]
    ).encode()


def build_inputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The real inputs, then every bad file (in that order: a copy is the duplicate, not the original)."""
    return [DOCUMENTS, ANCT, bad_inputs(tmp_path_factory)]


def start_bad_build(tmp_path_factory: pytest.TempPathFactory) -> None:
    """``cdv build`` of the real inputs and every bad file, in the background, once."""
    with _STARTED:
        _start_bad_build(tmp_path_factory)


_STARTED = threading.Lock()


def _start_bad_build(tmp_path_factory: pytest.TempPathFactory) -> None:
    if "build" in _SHARED:
        return
    db = tmp_path_factory.mktemp("badbuild") / "warehouse.duckdb"
    inputs = [str(p) for p in build_inputs(tmp_path_factory)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest.cli", "build", *inputs, "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    atexit.register(lambda: proc.poll() is None and proc.kill())
    _SHARED["build"] = (db, proc, time.perf_counter())


_DONE = threading.Lock()


def finished_bad_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """The build, waited for (by the thread of tests/test_concurrency.py's scenario or by this
    module's tests, whichever asks first: the lock makes the other wait)."""
    with _DONE:
        start_bad_build(tmp_path_factory)
        if "done" not in _SHARED:
            db, proc, started = _SHARED["build"]
            out, err = proc.communicate(timeout=400)
            _SHARED["done"] = (
                db,
                subprocess.CompletedProcess(proc.args, proc.returncode, out, err),
                time.perf_counter() - started,
            )
    db, done, seconds = _SHARED["done"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert seconds < 240
    return db, done


@pytest.fixture(scope="module")
def bad_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bad_inputs(tmp_path_factory)


@pytest.fixture(scope="module", autouse=True)
def _bad_build_started(bad_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The build starts with the module's first test, so that it runs while the ingest-level tests
    do (two cores: about 20 s saved); ``bad_build`` waits for it."""
    start_bad_build(tmp_path_factory)


@pytest.fixture(scope="module")
def bad_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    return finished_bad_build(tmp_path_factory)


def _issues(con: duckdb.DuckDBPyConnection, table: str, name: str, rule: str) -> list[tuple]:
    return con.execute(
        f"select severity, source_line, message, source_text from {table} "
        "where document_file = ? and rule = ?",
        [name, rule],
    ).fetchall()


def _line_of(path: Path, number: int) -> str:
    return read_file(path).lines[number - 1]


def _check_issue(rows: list[tuple], case: Case, path: Path) -> str:
    assert len(rows) == 1, f"{case.name}: expected one {case.rule} issue, got {rows}"
    severity, line, message, source_text = rows[0]
    assert severity == case.severity
    assert line == case.line
    for words in case.says:
        assert words in message, f"{case.name}: {words!r} not in {message!r}"
    if case.line is not None:
        assert source_text == _line_of(path, case.line)
    return message


def _good_documents_loaded(con: duckdb.DuckDBPyConnection) -> None:
    def count(table: str, name: str) -> int:
        return con.execute(f"select count(*) from raw.{table} where document_file = ?", [name]).fetchone()[0]

    assert count("fiches", PERPIGNAN.name) == 16
    assert count("funding_lines", PERPIGNAN.name) == 66
    assert count("annex_objectives", LEZIGNAN.name) == 46


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_bad_input_gets_one_clear_issue_and_the_good_documents_load(
    case: Case, bad_dir: Path, tmp_path: Path
) -> None:
    single = tmp_path / "inputs"
    single.mkdir()
    # A hard link, not a copy (the 100 MB file) nor a symlink (out of the folder: skipped).
    os.link(bad_dir / case.name, single / case.name)
    con = connect(str(tmp_path / "w.duckdb"))
    try:
        report = ingest_paths(con, [DOCUMENTS, single])
        message = _check_issue(
            _issues(con, "raw.ingest_issues", case.name, case.rule), case, single / case.name
        )
        if case.severity == "error" or case.rule == "duplicate_document":
            where = f"{single / case.name}:{case.line}" if case.line else str(single / case.name)
            assert f"{where}: {message}" in report.messages
        rows = sum(
            con.execute(f"select count(*) from raw.{t} where document_file = ?", [case.name]).fetchone()[0]
            for t in CONTENT_TABLES
        )
        assert (rows > 0) == case.loads_rows
        _good_documents_loaded(con)
    finally:
        con.close()


def test_a_truncated_fiche_is_said_once_and_what_was_read_is_kept(bad_dir: Path) -> None:
    # Checked: without check_truncation, fiche 1-2-1 gets six missing_field infos and a
    # fiche_without_funding_table, and no truncated_document.
    result = programme.parse(read_file(bad_dir / "perpignan-truncated.txt").lines)
    assert [f["fiche_code"] for f in result.tables["fiches"]] == ["1-1-1", "1-2-1"]
    about_121 = [i for i in result.issues if i.line in (127, 137)]
    assert [i.rule for i in about_121] == ["truncated_document"]
    # A document cut inside a funding table, before its crédits spécifiques row, is said too.
    cut = programme.parse(_perpignan()[:386])
    assert [i.line for i in cut.issues if i.rule == "truncated_document"] == [386]
    assert "inside the funding table of fiche 3-1-1 opened at line 384" in next(
        i.message for i in cut.issues if i.rule == "truncated_document"
    )
    # The whole document is not truncated.
    assert not [i for i in programme.parse(_perpignan()).issues if i.rule == "truncated_document"]


def test_the_money_of_a_cell_beyond_the_headers_is_kept(bad_dir: Path) -> None:
    result = programme.parse(read_file(bad_dir / "perpignan-extra-cells.txt").lines)
    kept = [line for line in result.tables["funding_lines"] if line["source_line"] == 150]
    assert [(line["amount_eur"], line["column_header"], line["funder_code"]) for line in kept] == [
        (5000, None, "CAF-66")
    ]


def _funding_signature(lines: list[str]) -> list[tuple]:
    result = programme.parse(lines)
    return sorted(
        (row["fiche_code"], row["source_line"], row["row_type"], row["amount_eur"], row["funder_code"])
        for row in result.tables["funding_lines"]
    ), [row["fiche_code"] for row in result.tables["fiches"]]


@pytest.mark.parametrize(
    "encoding",
    ["cp1252", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "crlf", "cr"],
)
def test_readable_encodings_are_read(encoding: str, tmp_path: Path) -> None:
    # Checked: with the UTF-16 branches of decode() removed, the UTF-16 versions are binary (no fiche);
    # without the BOM-less detection, utf-16-le/-be are; with split_lines on "\n" only, the lines of
    # the crlf version keep their "\r" and the cr version is one line.
    text = PERPIGNAN.read_text(encoding="utf-8")
    path = tmp_path / f"perpignan.{encoding}.txt"
    original = read_file(PERPIGNAN).lines
    expected = original
    if encoding in ("crlf", "cr"):
        path.write_bytes(text.replace("\n", "\r\n" if encoding == "crlf" else "\r").encode())
    else:
        # Three bullet characters (✚ ➤ ●) have no Windows-1252 byte: they become "?".
        path.write_bytes(text.encode(encoding, errors="replace"))
        expected = [line.encode(encoding, errors="replace").decode(encoding) for line in original]
    read = read_file(path)
    assert read.readable and read.lines == expected
    lines, fiches = _funding_signature(read.lines)
    expected_lines, expected_fiches = _funding_signature(original)
    assert len(fiches) == 16 and fiches == expected_fiches
    assert len(lines) == 66 and lines == expected_lines


def test_the_same_text_in_another_encoding_is_a_duplicate(tmp_path: Path) -> None:
    # Checked: with read_file keyed on the bytes' hash (hashlib.sha256(data)), the UTF-16 and CRLF
    # copies are loaded as two more programmes: 48 fiches, every euro counted three times.
    folder = tmp_path / "copies"
    folder.mkdir()
    text = PERPIGNAN.read_text(encoding="utf-8")
    (folder / "perpignan-utf16.txt").write_bytes(text.encode("utf-16"))
    (folder / "perpignan-windows.txt").write_bytes(text.replace("\n", "\r\n").encode())
    con = connect(str(tmp_path / "w.duckdb"))
    try:
        report = ingest_paths(con, [PERPIGNAN, folder])
        assert sorted(report.rejected) == ["perpignan-utf16.txt", "perpignan-windows.txt"]
        assert con.execute("select count(*) from raw.fiches").fetchone()[0] == 16
        rules = con.execute(
            "select distinct rule from raw.ingest_issues where document_file in (?, ?)",
            ["perpignan-utf16.txt", "perpignan-windows.txt"],
        ).fetchall()
        assert rules == [("duplicate_document",)]
    finally:
        con.close()


def test_a_huge_file_is_neither_read_into_memory_nor_parsed(bad_dir: Path, tmp_path: Path) -> None:
    # In a subprocess, so that its peak memory is its own and a hang is a failure, not a stuck run.
    # Checked: with CDV_MAX_INPUT_MB=1000 (no limit in effect) the file is read (+100 MB at once) and
    # the programme parser works through 1.2 million lines: the 30 s timeout fails the test.
    folder = tmp_path / "inputs"
    folder.mkdir()
    os.link(bad_dir / "huge.txt", folder / "huge.txt")
    shutil.copy(LEZIGNAN, folder / LEZIGNAN.name)
    script = f"""
import json, resource, sys, time
from pathlib import Path
from ingest.loading import connect
from ingest.pipeline import ingest_paths
con = connect({str(tmp_path / "w.duckdb")!r})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
report = ingest_paths(con, [Path({str(folder)!r})])
seconds = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
objectives = con.execute("select count(*) from raw.annex_objectives").fetchone()[0]
print(json.dumps({{"seconds": seconds, "grown_kb": after - before, "objectives": objectives,
                  "messages": report.messages}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["objectives"] == 46  # the good document of the same run
    assert outcome["seconds"] < 10
    assert outcome["grown_kb"] < 50_000, "the 100 MB file was read into memory"
    assert any("huge.txt: the file is 100.0 MB" in m for m in outcome["messages"])


# --- one build with every bad file next to the real inputs ----------------------------------------


def test_every_bad_input_in_one_build(
    bad_build: tuple[Path, subprocess.CompletedProcess], bad_dir: Path
) -> None:
    db, done = bad_build
    with duckdb.connect(str(db), read_only=True) as con:
        for case in CASES:
            message = _check_issue(
                _issues(con, "raw.ingest_issues", case.name, case.rule), case, bad_dir / case.name
            )
            in_analytics = _issues(con, "analytics.dq_issues", case.name, case.rule)
            assert [row[2] for row in in_analytics] == [message], f"{case.name}: not in analytics.dq_issues"
            if case.severity == "error":
                # The CLI says every error on stderr, with the file (and line) it is about.
                where = f"{bad_dir / case.name}:{case.line}" if case.line else str(bad_dir / case.name)
                assert f"{where}: {message}" in done.stderr


def test_a_pair_an_annex_repeats_is_reported_and_counted_once(
    bad_build: tuple[Path, subprocess.CompletedProcess],
) -> None:
    db, _ = bad_build
    with duckdb.connect(str(db), read_only=True) as con:
        reported = con.execute(
            "select severity, source_line, message from analytics.dq_issues "
            "where document_file = ? and rule = 'repeated_bop_service_pair'",
            [REPEATED_PAIR_ANNEX],
        ).fetchall()
        pairs = con.execute(
            "select count(*) from marts.fct_objective_bop "
            "where document_file = ? and objective_ref = 'PDEE_AS2_003' and bop_code = '147'",
            [REPEATED_PAIR_ANNEX],
        ).fetchone()[0]
    # The continuation is line 16 of the copy (the row is line 15 of Lézignan's file).
    assert reported == [
        ("warning", 16, "Objective PDEE_AS2_003 lists BOP 147 with DDCSPP a second time: kept once.")
    ]
    assert pairs == 1


def test_the_good_documents_of_a_build_with_bad_inputs_are_whole(
    bad_build: tuple[Path, subprocess.CompletedProcess], warehouse: Path
) -> None:
    """Every real document has the same rows as in the clean build, in raw and in analytics."""
    db, _ = bad_build
    real = sorted(p.name for p in [*DOCUMENTS.glob("*.txt"), *ANCT.glob("*.json")])

    def per_document(path: Path) -> dict[str, list[tuple]]:
        with duckdb.connect(str(path), read_only=True) as con:
            out = {
                table: con.execute(
                    f"select document_file, count(*) from raw.{table} "
                    "where document_file in (select unnest(?)) group by 1 order by 1",
                    [real],
                ).fetchall()
                for table in CONTENT_TABLES
            }
            # The bad copies of the programme are versions of it: its lines are current or superseded,
            # never lost.
            out["analytics"] = con.execute(
                "select document_file, count(*), sum(amount_eur) from ("
                "  select document_file, amount_eur from analytics.funding_lines"
                "  union all select document_file, amount_eur from analytics.superseded_funding_lines"
                ") where document_file in (select unnest(?)) group by 1 order by 1",
                [real],
            ).fetchall()
            return out

    with_bad, clean = per_document(db), per_document(warehouse)
    assert with_bad == clean
    with duckdb.connect(str(db), read_only=True) as con:
        current = con.execute(
            "select document_file, is_truncated from analytics.document_versions "
            "where is_current and document_kind = 'programme_actions'"
        ).fetchall()
    # One current programme for the contract, and not the copy the ingest found truncated.
    assert len(current) == 1 and current[0][1] is False, current
    assert {name for name, *_ in clean["fiches"]} == {PERPIGNAN.name}
    assert len(clean["anct_posts"]) == 12


def test_an_unidentified_funder_does_not_block_the_build(warehouse: Path, tmp_path: Path) -> None:
    from ingest.build import build

    from .test_atomic_build import published_copy

    db = published_copy(warehouse, tmp_path / "db")
    extra = tmp_path / "extra"
    extra.mkdir()
    lines = _perpignan()[:153]
    lines[149] += "\t\t5 000 €"  # a 10th cell, beyond the headers, naming no funder
    (extra / "perpignan-unidentified.txt").write_text("\n".join(lines), encoding="utf-8")
    # Only the two models whose tests reject NON_IDENTIFIE, on a copy of the session's warehouse:
    # the whole dbt build would take 25 s to say the same.
    build(
        db,
        [DOCUMENTS, ANCT, extra],
        dbt_args=["build", "--select", "int_document_funding_lines", "funding_lines"],
        progress=lambda _: None,
    )
