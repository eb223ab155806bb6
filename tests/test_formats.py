"""Documents as users have them: PDF and Word files give the rows their text gives.

The bundled text documents are rendered to real files (tests/renderings.py): an HTML page with real
tables printed to PDF by headless chromium (page breaks fall inside the tables, whose header row the
browser repeats), and a .docx written with python-docx. Each is read back (ingest.convert) and parsed:
the same funding lines (amounts, funders, dispositifs, years, QPVs), costs, pledges, fiches and annex
objectives as the text. Plus: a scanned PDF, an encrypted one and a corrupt one are one issue each.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingest.convert import convert, sniff
from ingest.pipeline import read_document
from ingest.reading import document_sha256, read_file

from .renderings import chromium, to_docx, to_pdf

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = REPO / "data" / "documents"
PERPIGNAN = DOCUMENTS / "perpignan-mediterranee_programme-actions_pilier-economie-emploi.txt"
LEZIGNAN = next(DOCUMENTS.glob("*lezignan*"))
CDV = [sys.executable, "-m", "ingest.cli"]

needs_chromium = pytest.mark.skipif(
    chromium() is None, reason="no chromium to print PDF files (make test installs it)"
)

# What a row means, without where it was read (lines differ between formats).
KEYS = {
    "funding_lines": (
        "fiche_code",
        "sub_action",
        "row_type",
        "column_header",
        "funder_code",
        "funder_rule",
        "dispositif_code",
        "amount_eur",
        "year_start",
        "year_end",
        "scope",
        "is_recurring",
        "gross_amount_eur",
        "part_amounts_eur",
    ),
    "action_costs": ("fiche_code", "cost_kind", "amount_eur", "year"),
    "funding_pledges": ("fiche_code", "funder_code", "pledge_kind", "dispositif_code"),
    "fiches": ("fiche_code", "pillar", "axis_code", "objective_code"),
    "territory_targets": ("fiche_code", "qpv_code"),
    "funding_line_parts": ("amount_eur", "qpv_code"),
    "annex_objectives": ("objective_ref", "pillar", "axis_number"),
}


@functools.cache
def _parsed(path: Path):  # noqa: ANN202 - a Document
    return read_document(path)


def _rows(path: Path, table: str) -> list[tuple]:
    doc = _parsed(path)
    return sorted(tuple(str(row.get(key)) for key in KEYS[table]) for row in doc.result.tables.get(table, []))


OTHER_CONTRACTS = sorted((REPO / "tests" / "documents").glob("*.txt"))
# Page layouts of the programme's PDF: other page sizes move the page breaks into other rows and
# tables; without a <thead> the browser does not repeat the header on the next page.
LAYOUTS = {"a5": {"page": "A5"}, "a5-landscape-no-header": {"page": "A5 landscape", "repeat_header": False}}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("formats")
    files: dict[str, Path] = {}
    for name, source in (
        ("programme", PERPIGNAN),
        ("annex", LEZIGNAN),
        *((p.stem, p) for p in OTHER_CONTRACTS),
    ):
        text = source.read_text(encoding="utf-8")
        files[f"{name}.docx"] = to_docx(text, folder / f"{source.stem}.docx")
        if chromium() is not None:
            files[f"{name}.pdf"] = to_pdf(text, folder / f"{source.stem}.pdf")
    if chromium() is not None:
        text = PERPIGNAN.read_text(encoding="utf-8")
        for layout, options in LAYOUTS.items():
            files[f"programme-{layout}.pdf"] = to_pdf(text, folder / f"programme-{layout}.pdf", **options)
    return files


FORMATS = [pytest.param("pdf", marks=needs_chromium), "docx"]


@pytest.mark.parametrize(
    "fmt", [*FORMATS, *(pytest.param(f"{layout}.pdf", marks=needs_chromium) for layout in LAYOUTS)]
)
def test_a_programme_file_gives_the_rows_of_its_text(rendered: dict[str, Path], fmt: str) -> None:
    path = rendered[f"programme.{fmt}" if fmt in ("pdf", "docx") else f"programme-{fmt}"]
    fmt = fmt.rsplit(".", 1)[-1]
    doc = read_document(path)
    assert (doc.kind, doc.result.contract_code, doc.encoding) == ("programme_actions", "CV235", fmt)
    lines = doc.result.tables["funding_lines"]
    assert len(lines) == 66
    assert sum((row["amount_eur"] for row in lines), Decimal(0)) == Decimal("6537498.00")
    for table in (
        "funding_lines",
        "action_costs",
        "funding_pledges",
        "fiches",
        "territory_targets",
        "funding_line_parts",
    ):
        assert _rows(path, table) == _rows(PERPIGNAN, table), table
    # Titles as the text gives them (the fiche field table is read, not only its code).
    titles = {row["fiche_code"]: row["title"] for row in read_document(PERPIGNAN).result.tables["fiches"]}
    assert {row["fiche_code"]: row["title"] for row in doc.result.tables["fiches"]} == titles


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("source", OTHER_CONTRACTS, ids=[p.stem.split("_")[0] for p in OTHER_CONTRACTS])
def test_other_contracts_files_give_the_rows_of_their_text(
    rendered: dict[str, Path], fmt: str, source: Path
) -> None:
    """Other territories, funders, column orders and pillars (tests/test_other_contracts.py)."""
    path = rendered[f"{source.stem}.{fmt}"]
    text = _parsed(source)
    assert (_parsed(path).kind, _parsed(path).result.contract_code) == (text.kind, text.result.contract_code)
    for table in ("funding_lines", "funding_pledges", "fiches", "action_costs", "annex_objectives"):
        assert _rows(path, table) == _rows(source, table), table


# The documents whose tables read whole without ruling lines (the limits: ingest/unruled.py).
UNRULED = [*OTHER_CONTRACTS, LEZIGNAN]


@needs_chromium
@pytest.mark.parametrize("borders", ["none", "rows"])
def test_tables_without_ruling_lines_give_the_rows_of_their_text(tmp_path: Path, borders: str) -> None:
    """Tables printed without borders, or with only a rule under each row: columns from how the
    words line up, rows from the space (or the rule) between them."""
    for source in UNRULED:
        path = to_pdf(source.read_text(encoding="utf-8"), tmp_path / f"{source.stem}.pdf", borders=borders)
        for table in ("funding_lines", "funding_pledges", "fiches", "action_costs", "annex_objectives"):
            assert _rows(path, table) == _rows(source, table), (source.name, table)
    # The bundled programme has rows of their own tables whose first cells are empty: without
    # rules their columns cannot be told (ingest/unruled.py), a few of its lines are lost.
    path = to_pdf(PERPIGNAN.read_text(encoding="utf-8"), tmp_path / "programme.pdf", borders=borders)
    text, read = Counter(_rows(PERPIGNAN, "funding_lines")), Counter(_rows(path, "funding_lines"))
    assert sum((text & read).values()) >= 0.95 * sum(text.values())
    assert _rows(path, "fiches") == _rows(PERPIGNAN, "fiches")


@needs_chromium
def test_running_headers_and_the_browsers_table_style(tmp_path: Path) -> None:
    """Printed with the browser's running header and footer (date, file name, page number) on
    every page, header cells in bold <th>, cells centred vertically: the same rows."""
    for source, tables in (
        (PERPIGNAN, ("funding_lines", "fiches", "action_costs")),
        (LEZIGNAN, ("annex_objectives",)),
        (OTHER_CONTRACTS[0], ("annex_objectives",)),
    ):
        path = to_pdf(
            source.read_text(encoding="utf-8"),
            tmp_path / f"{source.stem}.pdf",
            header_footer=True,
            plain=True,
        )
        assert not any("file://" in line for line in read_file(path).lines)
        for table in tables:
            assert _rows(path, table) == _rows(source, table), (source.name, table)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_annex_file_gives_the_objectives_of_its_text(rendered: dict[str, Path], fmt: str) -> None:
    path = rendered[f"annex.{fmt}"]
    doc = read_document(path)
    assert doc.kind == "annexe_objectifs_bop"
    assert len(doc.result.tables["annex_objectives"]) == 46
    assert _rows(path, "annex_objectives") == _rows(LEZIGNAN, "annex_objectives")


@needs_chromium
def test_every_line_of_a_pdf_keeps_its_page(rendered: dict[str, Path]) -> None:
    read = read_file(rendered["programme.pdf"])
    assert read.pages is not None and len(read.pages) == len(read.lines)
    assert read.pages[0] == 1 and read.pages == sorted(read.pages) and read.pages[-1] > 3
    # And where on the page: the lines of a page go down it (blank separator lines have no place).
    assert read.tops is not None and len(read.tops) == len(read.lines)
    for page in set(read.pages):
        tops = [t for t, p, line in zip(read.tops, read.pages, read.lines, strict=True) if p == page and line]
        assert all(top is not None for top in tops) and tops == sorted(tops), page
    doc = read_document(rendered["programme.pdf"])
    # A funding line's source text is the converted line it was read from (and, for a table row
    # that a page break or a footnote cut, the lines joined back after it).
    for row in doc.result.tables["funding_lines"]:
        assert row["source_text"].startswith(read.lines[row["source_line"] - 1]), row["source_line"]
    # The page break inside a table: its repeated header is dropped, its rows are one table.
    headers = [line for line in read.lines if line.startswith("<b>Coût de l'action</b>")]
    assert len(headers) == len(
        [
            line
            for line in PERPIGNAN.read_text(encoding="utf-8").split("\n")
            if line.startswith("<b>Coût de l'action</b>")
        ]
    )


def test_same_content_same_key(rendered: dict[str, Path], tmp_path: Path) -> None:
    docx = rendered["programme.docx"]
    assert sniff(docx.read_bytes()) == "docx"
    # The key is that of the converted text: a text file of it is the same document.
    text = tmp_path / "converted.txt"
    text.write_text(read_file(docx).text, encoding="utf-8")
    assert document_sha256(docx) == read_file(docx).sha256 == document_sha256(text)


def _scan_pdf(path: Path) -> Path:
    """A one-page PDF holding only an image: what a scanner makes."""
    from PIL import Image

    Image.new("RGB", (200, 280), "white").save(path, "PDF")
    return path


def test_a_scan_an_encrypted_and_a_corrupt_file_are_one_issue_each(
    rendered: dict[str, Path], tmp_path: Path
) -> None:
    scan = convert(_scan_pdf(tmp_path / "scan.pdf").read_bytes(), "pdf")
    assert not scan.lines and [(i.rule, i.severity) for i in scan.issues] == [("no_text_layer", "error")]
    assert "run OCR first" in scan.issues[0].message
    corrupt = convert(b"%PDF-1.4\n" + bytes(range(256)) * 8, "pdf")
    assert not corrupt.lines and [i.rule for i in corrupt.issues] == ["unreadable_pdf"]
    broken_docx = rendered["programme.docx"].read_bytes()[:4000]
    assert sniff(broken_docx) is None  # a cut ZIP is no Word file: read as a binary file
    import pypdfium2

    encrypted = tmp_path / "encrypted.pdf"
    _encrypt(_scan_pdf(tmp_path / "plain.pdf"), encrypted, pypdfium2)
    if encrypted.exists():
        result = convert(encrypted.read_bytes(), "pdf")
        assert [i.rule for i in result.issues] == ["encrypted_pdf"], result.issues


def _encrypt(source: Path, target: Path, pypdfium2) -> None:  # noqa: ANN001
    """An encrypted copy, written with pdfminer's dependency-free writer if pypdf is absent."""
    try:
        from pypdf import PdfReader, PdfWriter
    except ImportError:
        # No writer of encrypted PDF among the pinned packages: a minimal file with an /Encrypt
        # dictionary, which the reader must refuse as encrypted.
        target.write_bytes(
            b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"3 0 obj<</Filter/Standard/V 1/R 2/O(0123456789abcdef0123456789abcdef)"
            b"/U(0123456789abcdef0123456789abcdef)/P -4>>endobj\n"
            b"trailer<</Root 1 0 R/Encrypt 3 0 R/ID[<01><01>]>>\n%%EOF\n"
        )
        return
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt("secret")
    writer.write(target)


def test_cdv_builds_and_converts_pdf_and_word_files(rendered: dict[str, Path], tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "fiches.docx").write_bytes(rendered["programme.docx"].read_bytes())
    (inputs / "scan.pdf").write_bytes(_scan_pdf(tmp_path / "s.pdf").read_bytes())
    db = tmp_path / "w.duckdb"
    done = subprocess.run(
        [*CDV, "ingest", str(inputs), "--db", str(db)], capture_output=True, text=True, cwd=REPO, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "run OCR first" in done.stderr
    assert "ingested 1 document(s)" in done.stdout and "1 rejected" in done.stdout, done.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        lines, total, pages = con.execute(
            "select count(*), sum(amount_eur), (select len(line_pages) from raw.documents where document_file = 'fiches.docx')"
            " from raw.funding_lines where document_file = 'fiches.docx'"
        ).fetchone()
        rule = con.execute("select rule from raw.ingest_issues where document_file = 'scan.pdf'").fetchall()
    assert (lines, total) == (66, Decimal("6537498.00")) and pages > 0  # a Word file: page 1 throughout
    assert rule == [("no_text_layer",)]
    converted = subprocess.run(
        [*CDV, "convert", str(inputs / "fiches.docx")], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert converted.returncode == 0, converted.stderr
    assert converted.stdout.rstrip("\n") == read_file(inputs / "fiches.docx").text


@needs_chromium
def test_a_warehouse_built_from_pdf_and_word_files_has_the_figures_of_the_text(
    rendered: dict[str, Path], warehouse: Path, tmp_path: Path
) -> None:
    """The programme as a PDF and the annex as a Word file, built by themselves: every euro of the
    fact at the same funder, QPV and year, and the same objective × BOP pairs, as from the text."""
    from ingest.build import build

    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "programme.pdf").write_bytes(rendered["programme.pdf"].read_bytes())
    (inputs / "annexe.docx").write_bytes(rendered["annex.docx"].read_bytes())
    db = tmp_path / "w.duckdb"
    # The seeds and models the comparison reads, without the tests (the full build is tested
    # elsewhere): about 10 s instead of 35.
    models = ["+fct_funding", "+objective_bop", "+funding_lines"]
    build(
        db,
        [inputs],
        mirror=True,
        progress=lambda _: None,
        dbt_args=["build", "--select", *models, "--exclude", "test_type:data", "test_type:unit"],
    )

    def figures(path: Path) -> tuple[list[tuple], list[tuple], tuple]:
        with duckdb.connect(str(path), read_only=True) as con:
            fact = con.execute(
                "select funder_code, qpv_code, funding_year, sum(amount_eur) from marts.fct_funding"
                " where source_kind = 'document' group by all order by all"
            ).fetchall()
            pairs = con.execute(
                "select contract_code, objective_ref, bop_code, service from analytics.objective_bop order by all"
            ).fetchall()
            lines = con.execute(
                "select count(*), sum(amount_eur) from analytics.funding_lines where source_kind = 'document'"
            ).fetchone()
        return fact, pairs, lines

    fact, pairs, lines = figures(db)
    text_fact, text_pairs, _ = figures(warehouse)
    assert lines == (66, Decimal("6537498.00"))
    assert fact == text_fact
    assert pairs == text_pairs


def test_conversions_are_kept_on_disk(rendered: dict[str, Path], tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """A file converted once is not converted again by the next build (another process): the
    conversion is kept under $XDG_CACHE_HOME, keyed by the file's bytes and the converter's version."""
    from ingest import conversion_cache, reading

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(reading, "_CONVERSIONS", {})
    data = rendered["programme.docx"].read_bytes()
    first = reading._converted(data, "docx")
    [entry] = conversion_cache.folder().iterdir()
    monkeypatch.setattr(reading, "_CONVERSIONS", {})
    monkeypatch.setattr(reading, "convert", lambda *_: pytest.fail("converted again"))
    again = reading._converted(data, "docx")
    assert (again.lines, again.pages, again.tops, again.format) == (
        first.lines,
        first.pages,
        first.tops,
        "docx",
    )
    # An entry that cannot be read (a build killed by a full disk...) is converted again.
    entry.write_text("{", encoding="utf-8")
    monkeypatch.setattr(reading, "_CONVERSIONS", {})
    monkeypatch.setattr(reading, "convert", lambda *_: first)
    assert reading._converted(data, "docx").lines == first.lines
    # A failed conversion (a scan) is not kept: the file may be fixed in place.
    scan = _scan_pdf(tmp_path / "scan.pdf").read_bytes()
    monkeypatch.setattr(reading, "convert", convert)
    assert reading._converted(scan, "pdf").issues
    assert len(list(conversion_cache.folder().iterdir())) == 1
