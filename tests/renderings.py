"""Real PDF and Word files made from the text documents, as their authors' tools would make them.

The text exports are markdown headings, paragraphs with ``**bold**`` parts, and tables as tab-
separated rows whose bold parts are ``<b>...</b>``. Here they become

- an HTML page with real tables (borders, a header row that the browser repeats when a table runs
  over a page break), printed to a multi-page PDF by the system's chromium
  (``--headless --print-to-pdf``; no browser is downloaded);
- a ``.docx`` written with python-docx: Heading styles, bold runs, Word tables.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
_BOLD_CELL = re.compile(r"<b>(.*?)</b>", re.S)
_BOLD_TEXT = re.compile(r"\*\*(.+?)\*\*")
_TAGS = re.compile(r"<[^>]+>")

STYLE = """
body { font-family: 'DejaVu Sans', sans-serif; font-size: 9pt; }
h1 { font-size: 18pt; } h2 { font-size: 14pt; } h3 { font-size: 12pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0; }
td, th { border: 0.8pt solid #000; padding: 2pt; vertical-align: top; font-weight: normal; text-align: left; }
tr { break-inside: avoid; }
"""


def chromium() -> str | None:
    return next((c for c in CHROMIUM_CANDIDATES if Path(c).exists()), None) or shutil.which("chromium")


def _blocks(text: str) -> list[tuple[str, list[str]]]:
    """(``table`` or ``line``, lines): consecutive tab-separated lines are one table."""
    blocks: list[tuple[str, list[str]]] = []
    for line in text.split("\n"):
        kind = "table" if "\t" in line else "line"
        if kind == "table" and blocks and blocks[-1][0] == "table":
            blocks[-1][1].append(line)
        else:
            blocks.append((kind, [line]))
    return blocks


def _cell_html(cell: str) -> str:
    # The cells hold the export's HTML fragments (<b>, <p>, <ul>...): kept as they are.
    return cell.replace("&", "&amp;")


def _line_html(line: str) -> str:
    stripped = line.strip()
    if not stripped:
        return ""
    heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
    if heading:
        level = len(heading[1])
        return f"<h{level}>{html.escape(heading[2])}</h{level}>"
    body = _BOLD_TEXT.sub(lambda m: f"<b>{m[1]}</b>", stripped.replace("&", "&amp;"))
    return f"<p>{body}</p>"


# Table styles other writers use: no ruling lines at all, or only a rule under each row.
BORDERS = {
    "grid": "",
    "none": "td, th { border: none; } table { border: none; }",
    "rows": "td, th { border: none; border-bottom: 0.5pt solid #000; }",
}


def to_html(
    text: str, *, page: str = "A4", repeat_header: bool = True, borders: str = "grid", plain: bool = False
) -> str:
    """``page``: the CSS page size (A4, "A5 landscape"...); ``repeat_header``: the first row of each
    table in a <thead>, which the browser repeats on every page the table runs over; ``borders``:
    a table style of ``BORDERS``; ``plain``: the browser's own table style (header cells <th>, in
    bold and centred; cells centred vertically)."""
    style = STYLE + BORDERS[borders] + f"@page {{ size: {page}; margin: 12mm; }}"
    if plain:
        style = style.replace(" vertical-align: top; font-weight: normal; text-align: left;", "")
    head_cell = "th" if plain else "td"
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><style>{style}</style></head><body>"]
    for kind, lines in _blocks(text):
        if kind == "line":
            parts.append(_line_html(lines[0]))
            continue
        rows = [line.split("\t") for line in lines]
        head, *body = rows
        head_row = "<tr>" + "".join(f"<{head_cell}>{_cell_html(c)}</{head_cell}>" for c in head) + "</tr>"
        parts.append(
            f"<table><thead>{head_row}</thead><tbody>" if repeat_header else f"<table><tbody>{head_row}"
        )
        for row in body:
            parts.append("<tr>" + "".join(f"<td>{_cell_html(c)}</td>" for c in row) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def to_pdf(text: str, out: Path, *, header_footer: bool = False, **layout: object) -> Path:
    """Print the text's HTML rendering (``to_html``'s layout options) to ``out`` with headless
    chromium; ``header_footer``: with the browser's running header (date, title) and footer (file,
    page number) on every page."""
    browser = chromium()
    if browser is None:
        raise RuntimeError("no chromium to print PDF files with (make test installs it)")
    page = out.with_suffix(".html")
    page.write_text(to_html(text, **layout), encoding="utf-8")  # type: ignore[arg-type]
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            *([] if header_footer else ["--no-pdf-header-footer"]),
            f"--print-to-pdf={out}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    page.unlink()
    return out


def _runs(paragraph, text: str, pattern: re.Pattern[str]) -> None:
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            paragraph.add_run(_plain(text[position : match.start()]))
        paragraph.add_run(_plain(match[1])).bold = True
        position = match.end()
    if position < len(text):
        paragraph.add_run(_plain(text[position:]))


def _plain(text: str) -> str:
    return html.unescape(_TAGS.sub(" ", text)).replace("  ", " ")


def to_docx(text: str, out: Path) -> Path:
    """Write the text as a Word document with python-docx."""
    import docx

    document = docx.Document()
    for kind, lines in _blocks(text):
        if kind == "line":
            line = lines[0].strip()
            if not line:
                continue
            heading = re.match(r"^(#{1,6})\s+(.*)$", line)
            if heading:
                document.add_heading(heading[2], level=min(len(heading[1]), 9))
            else:
                _runs(document.add_paragraph(), line, _BOLD_TEXT)
            continue
        rows = [line.split("\t") for line in lines]
        width = max(len(row) for row in rows)
        table = document.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for cells, row in zip(table.rows, rows, strict=True):
            for cell, value in zip(cells.cells, row, strict=False):
                _runs(cell.paragraphs[0], value, _BOLD_CELL)
    document.save(out)
    return out
