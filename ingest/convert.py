"""PDF (text layer) and Word files converted into the text the parsers read.

The parsers read one logical structure, the one of the bundled PDF-to-text exports: markdown
headings (``#``), paragraphs whose bold parts are ``**...**``, and tables as one line per row with
the cells separated by tabs, a bold cell part written ``<b>...</b>``. This module produces it from

- ``.docx`` files (python-docx): headings from the paragraph styles (Title, Heading n), bold from
  the runs, tables from the document's tables (a merged cell once);
- PDF files with a text layer (pdfplumber): tables found from their ruling lines and read cell by
  cell, headings from the font size (larger than the body text), bold from the font name; a table
  that goes on over a page break is one table, its header repeated on the new page dropped, so the
  parsers see the rows as the author wrote them (a row cut by the page break is joined back by the
  programme parser, as in the text exports).

The file is recognised by its content (``%PDF-``, a ZIP holding ``word/document.xml``), not its
name. Every line of the converted text keeps the page it was read from (``Converted.pages``; for
Word files, which have no pages, 1). A PDF without a text layer (a scan), an encrypted PDF or a
file that cannot be read gives one error ``Issue`` and no text. ``cdv convert FILE`` prints the
text a file converts to: what the parsers saw.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ingest import unruled as _unruled
from ingest.records import Issue

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
# A heading's font is at least this much larger than the body text's.
HEADING_SCALE = 1.25
WORD_INSET = 4.0
# The narrowest cell of a table (points): anything thinner lies between two ruling lines.
MIN_CELL = 2.0
# Two words are on one line when their tops differ by less than this (points).
LINE_TOLERANCE = 3.0


@dataclass
class Converted:
    """The text a PDF or Word file converts to, one entry of ``pages`` per line."""

    lines: list[str]
    pages: list[int]
    format: str  # pdf | docx
    # Where each line starts on its page: points from the top of the page (PDF only; else None).
    tops: list[float | None] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def sniff(data: bytes) -> str | None:
    """``pdf``, ``docx`` or None (text, or a binary of no format converted here)."""
    if data.startswith(PDF_MAGIC):
        return "pdf"
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            return None
    return None


def convert(data: bytes, what: str) -> Converted:
    """Convert the bytes of a ``pdf`` or ``docx`` file; never raises on content."""
    if what == "pdf":
        return _pdf(data)
    return _docx(data)


def _failed(what: str, rule: str, message: str) -> Converted:
    return Converted([], [], what, issues=[Issue(None, "error", rule, message)])


# Word


def _docx(data: bytes) -> Converted:
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - a corrupt file is an issue, not a crash
        return _failed("docx", "unreadable_docx", f"the Word file cannot be read ({exc}): nothing loaded")
    out = _Lines()
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            out.block([_docx_paragraph(paragraph)], 1)
        elif tag == "tbl":
            table = Table(child, document)
            out.block([_docx_row(row) for row in table.rows], 1)
    return Converted(out.lines, out.pages, "docx", tops=out.tops)


def _docx_paragraph(paragraph: Any) -> str:
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    text = paragraph.text.strip()
    if not text:
        return ""
    level = _heading_level(style)
    if level:
        return "#" * level + " " + " ".join(text.split())
    return _marked([(run.text, bool(run.bold)) for run in paragraph.runs], cell=False)


def _heading_level(style: str) -> int:
    if style == "Title":
        return 1
    match = re.match(r"Heading (\d)", style)
    return min(int(match[1]), 6) if match else 0


def _docx_row(row: Any) -> str:
    cells, seen = [], set()
    for cell in row.cells:
        if id(cell._tc) in seen:  # a merged cell is listed once per grid column it spans
            continue
        seen.add(id(cell._tc))
        parts = [_marked([(r.text, bool(r.bold)) for r in p.runs], cell=True) for p in cell.paragraphs]
        cells.append(" ".join(part for part in parts if part))
    return "\t".join(cells)


def _marked(runs: Iterable[tuple[str, bool]], *, cell: bool) -> str:
    """Runs of text as one line: bold parts as ``<b>...</b>`` in a cell, ``**...**`` in a paragraph."""
    opening, closing = ("<b>", "</b>") if cell else ("**", "**")
    pieces: list[tuple[str, bool]] = []
    for text, bold in runs:
        text = text.replace("\t", " ").replace("\n", " ")
        if not text:
            continue
        if pieces and pieces[-1][1] == bold:
            pieces[-1] = (pieces[-1][0] + text, bold)
        else:
            pieces.append((text, bold))
    out = ""
    for text, bold in pieces:
        if bold and text.strip():
            lead, core, trail = _split_space(text)
            out += f"{lead}{opening}{core}{closing}{trail}"
        else:
            out += text
    return out.strip()


def _split_space(text: str) -> tuple[str, str, str]:
    core = text.strip()
    start = text.index(core)
    return text[:start], core, text[start + len(core) :]


# PDF


def _pdf(data: bytes) -> Converted:
    try:
        import pdfplumber
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        return _failed("pdf", "unreadable_pdf", f"the PDF reader is missing ({exc}): nothing loaded")
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return _pdf_pages(pdf)
    except Exception as exc:  # noqa: BLE001 - a corrupt or locked file is an issue, not a crash
        if _encrypted(exc):
            return _failed(
                "pdf",
                "encrypted_pdf",
                "the PDF is encrypted: open it and save it without a password, nothing loaded",
            )
        return _failed("pdf", "unreadable_pdf", f"the PDF cannot be read ({_describe(exc)}): nothing loaded")


def _causes(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [a for a in current.args if isinstance(a, BaseException)]
        todo += [c for c in (current.__cause__, current.__context__) if c is not None]


def _encrypted(exc: BaseException) -> bool:
    return any(
        "password" in f"{type(c).__name__} {c}".lower() or "encrypt" in f"{type(c).__name__} {c}".lower()
        for c in _causes(exc)
    )


def _describe(exc: BaseException) -> str:
    return next((f"{type(c).__name__}: {c}" for c in _causes(exc) if str(c)), type(exc).__name__)


@dataclass
class _Block:
    top: float
    kind: str  # text | table
    rows: list[list[str]]  # a text block: one row of one cell per line
    sizes: list[float] = field(default_factory=list)  # text: the font size of each line
    lefts: list[list[float]] = field(default_factory=list)  # table: the left edge of each cell
    tops: list[float] = field(default_factory=list)  # the top of each row or line on its page
    fragment: bool = False  # a piece of a table without its first column (ingest.unruled)
    ruled: bool = True  # a table found from its ruling lines (else ingest.unruled)


def _pdf_pages(pdf: Any) -> Converted:
    pages: list[list[_Block]] = []
    char_count = 0
    sizes: list[float] = []
    words = [
        page.extract_words(extra_attrs=["fontname", "size"], keep_blank_chars=False, use_text_flow=True)
        for page in pdf.pages
    ]
    keys = [
        [_running_key(w, page.height) for w in page_words]
        for page, page_words in zip(pdf.pages, words, strict=True)
    ]
    running = _running_lines(keys)
    for page, page_words, page_keys in zip(pdf.pages, words, keys, strict=True):
        char_count += len(page.chars)
        blocks = _page_blocks(page, _without_running(page_words, page_keys, running))
        for block in blocks:
            sizes += block.sizes
        pages.append(blocks)
    if char_count == 0:
        return _failed(
            "pdf",
            "no_text_layer",
            f"the PDF has no text layer ({len(pdf.pages)} pages of images: a scan?): run OCR first "
            "(for example ocrmypdf), nothing loaded",
        )
    body = _body_size(sizes)
    headings = sorted({round(s, 1) for s in sizes if s >= body * HEADING_SCALE}, reverse=True)
    out = _Pages(body, headings)
    for number, blocks in enumerate(pages, start=1):
        out.page(number, blocks)
    return Converted(out.lines, out.pages, "pdf", tops=out.tops)


class _Pages:
    """The pages' blocks written out as the text exports write them, a table going on over a page
    break written as one (its header repeated on the new page dropped)."""

    def __init__(self, body: float, headings: list[float]) -> None:
        self.out = _Lines()
        self.body, self.headings = body, headings
        self.header: list[str] | None = None  # the header row of the table written last
        self.edges: list[float] = []  # the left edges of that table's columns
        self.last_ruled = True  # the last table was found from its ruling lines
        # The rows of the tables without rules since the last text: which rows make a table's
        # header is not drawn, and a row met again at the top of a page is its header repeated.
        self.seen: set[tuple[str, ...]] = set()

    @property
    def lines(self) -> list[str]:
        return self.out.lines

    @property
    def pages(self) -> list[int]:
        return self.out.pages

    @property
    def tops(self) -> list[float | None]:
        return self.out.tops

    def page(self, number: int, blocks: list[_Block]) -> None:
        top_of_page = True  # nothing of this page written yet
        for block in blocks:
            if (
                top_of_page
                and block.kind == "text"
                and self.out.ends_with_table
                and self._repeated(block.rows)
            ):
                # A table's header repeated on the new page, read as text (no ruling lines).
                block = _Block(block.top, "text", block.rows[1:], block.sizes[1:], tops=block.tops[1:])
                if not block.rows:
                    continue
            if block.kind == "text":
                self.text(block, number)
            elif block.fragment:
                self.fragment(block, number)
            else:
                self.table(block, number, continues=top_of_page and self.out.ends_with_table)
            top_of_page = False

    def _repeated(self, rows: list[list[str]]) -> bool:
        if not rows:
            return False
        return (self.header is not None and _same_row(rows[0], self.header)) or _filled(rows[0]) in self.seen

    def text(self, block: _Block, number: int) -> None:
        lines = [
            _heading(row[0], size, self.body, self.headings)
            for row, size in zip(block.rows, block.sizes, strict=True)
        ]
        self.out.block(lines, number, tops=block.tops)
        self.out.ends_with_table = False
        self.header = None
        self.seen = set()

    def fragment(self, block: _Block, number: int) -> None:
        """Cells of a table printed without rules, whose first column is empty: on the columns of
        the table above when they start where its columns do, else after an empty first cell."""
        rows = [
            _on_grid(row, lefts, self.edges) if _aligned(lefts, self.edges) else ["", *row]
            for row, lefts in zip(block.rows, block.lefts, strict=True)
        ]
        self.out.block(["\t".join(row) for row in rows], number, tops=block.tops)
        self.out.ends_with_table = True

    def table(self, block: _Block, number: int, *, continues: bool) -> None:
        continues = continues and self.header is not None
        rows, tops = block.rows, block.tops
        if not continues:
            self.edges = _column_edges(block.lefts)
        elif max((len(row) for row in rows), default=0) < len(self.edges):
            # A fragment of the table on a new page whose ruling lines lost a column: each cell
            # goes to the column of the table its left edge falls in.
            rows = [_on_grid(row, lefts, self.edges) for row, lefts in zip(rows, block.lefts, strict=True)]
        if continues and self._repeated(rows):
            # The header the browser (or the writer) repeats on a new page.
            rows, tops = rows[1:], tops[1:]
        # Tables read without rules that follow each other are parts of one table (rows of other
        # column layouts): its header is the first one's.
        if not continues and (block.ruled or not self.out.ends_with_table or self.last_ruled):
            self.header = rows[0] if rows else None
        if not block.ruled:
            self.seen.update(_filled(row) for row in rows)
        self.last_ruled = block.ruled
        self.out.block(["\t".join(row) for row in rows], number, joined=continues, tops=tops)
        self.out.ends_with_table = True


# Two cell edges closer than this (points) are one column edge.
EDGE_TOLERANCE = 3.0


def _column_edges(lefts: list[list[float]]) -> list[float]:
    """The left edges of a table's columns: those of its row with the most cells."""
    if not lefts:
        return []
    widest: list[float] = max(lefts, key=len)
    return sorted(widest)


def _on_grid(cells: list[str], lefts: list[float], edges: list[float]) -> list[str]:
    """The row's cells at the columns of ``edges`` ("" where a row has no cell), trailing empty
    columns dropped as a text export would."""
    if not edges:
        return cells
    row = [""] * len(edges)
    for text, left in zip(cells, lefts, strict=True):
        column = max((i for i, edge in enumerate(edges) if edge <= left + EDGE_TOLERANCE), default=0)
        row[column] = f"{row[column]} {text}".strip() if row[column] else text
    width = max((i + 1 for i, text in enumerate(row) if text), default=0)
    return row[: max(width, len(cells))] if width else cells


def _filled(row: list[str]) -> tuple[str, ...]:
    return tuple(cell for cell in row if cell)


def _same_row(row: list[str], other: list[str]) -> bool:
    """The same cells, empty ones aside (a row read without rules has its empty cells elsewhere)."""
    return _filled(row) == _filled(other)


def _aligned(lefts: list[float], edges: list[float]) -> bool:
    return bool(edges) and all(any(abs(x - edge) <= EDGE_TOLERANCE for edge in edges) for x in lefts)


def _body_size(sizes: list[float]) -> float:
    if not sizes:
        return 0.0
    counts: dict[float, int] = {}
    for size in sizes:
        counts[round(size, 1)] = counts.get(round(size, 1), 0) + 1
    return max(counts, key=lambda s: (counts[s], -s))


def _heading(line: str, size: float, body: float, headings: list[float]) -> str:
    if body and size >= body * HEADING_SCALE and line.strip():
        level = min(headings.index(round(size, 1)) + 1, 6) if round(size, 1) in headings else 1
        plain = line.replace("**", "").strip()
        return "#" * level + " " + plain
    return line


# Running headers and footers (a date, a title, a page number, a file name printed by the browser)
# are lines in this share of the page's height at its top or bottom...
MARGIN_SHARE = 0.1
# ... found at the same place on this share of the pages at least (two pages at least).
RUNNING_SHARE = 0.5
# ... and stand apart from the text: this many font sizes from it at least.
APART = 1.0


# A word of a running header or footer: an address, a page number "3/12", a date "28/11/26,".
_RUNNING_TEXT = re.compile(r"^(?:file|https?)://|^\d{1,4}/\d{1,4}$|^\d{1,2}/\d{1,2}/\d{2,4},?$")


def _running_key(word: dict[str, Any], height: float) -> tuple[str, int] | None:
    """Where a word of a page's top or bottom margin is, and its text, numbers aside."""
    if MARGIN_SHARE * height < word["top"] < (1 - MARGIN_SHARE) * height:
        return None
    return re.sub(r"\d+", "#", word["text"]), round(word["top"] / 4)


RunningKey = tuple[str, int] | None


def _running_lines(keys: list[list[RunningKey]]) -> set[tuple[str, int]]:
    """The words of the running headers and footers (``_running_key`` of each word of each page):
    at one place in the margin of most pages."""
    if len(keys) < 2:
        return set()
    counts: dict[tuple[str, int], int] = {}
    for page_keys in keys:
        for key in set(page_keys):
            if key is not None:
                counts[key] = counts.get(key, 0) + 1
    least = max(2, RUNNING_SHARE * len(keys))
    return {key for key, count in counts.items() if count >= least}


def _without_running(
    words: list[dict[str, Any]], keys: list[RunningKey], running: set[tuple[str, int]]
) -> list[dict[str, Any]]:
    """The page's words (``keys``: their ``_running_key``) but those of its running header and
    footer, which stand apart from the page's text (a table's header repeated at the top of every
    page is followed closely by its rows, and kept)."""
    # A margin line that is a page number, a date or a file's address is one on a single page too.
    lines: dict[int, list[dict[str, Any]]] = {}
    for word, key in zip(words, keys, strict=True):
        if key is not None:
            lines.setdefault(key[1], []).append(word)
    marked = {
        id(word)
        for line in lines.values()
        if any(_RUNNING_TEXT.search(w["text"]) for w in line)
        for word in line
    }
    running_words = [key in running or id(w) in marked for w, key in zip(words, keys, strict=True)]
    candidates = [w for w, is_running in zip(words, running_words, strict=True) if is_running]
    others = [w for w, is_running in zip(words, running_words, strict=True) if not is_running]
    if not candidates or not others:
        return others or words
    top = min(w["top"] for w in others)
    bottom = max(w["bottom"] for w in others)
    apart = {
        id(w)
        for w in candidates
        if top - w["bottom"] >= APART * w["size"] or w["top"] - bottom >= APART * w["size"]
    }
    return [w for w in words if id(w) not in apart]


def _page_blocks(page: Any, words: list[dict[str, Any]]) -> list[_Block]:
    """The page's tables and lines of text, top to bottom. The words (extracted once) are placed
    in the table cell that holds their centre, or in the free text."""
    tables = page.find_tables()
    boxes = [table.bbox for table in tables]
    cells: list[tuple[tuple[float, float, float, float], list[dict[str, Any]]]] = []
    layout: list[tuple[float, list[list[int | None]], list[float]]] = []
    for table in tables:
        grid = []
        for row in table.rows:
            indexes: list[int | None] = []
            for bbox in row.cells:
                # None: a column a spanning cell covers. A sliver between doubled ruling lines
                # (separate cell borders) is no cell: its words go to the nearest cell.
                if bbox is None or bbox[2] - bbox[0] < MIN_CELL or bbox[3] - bbox[1] < MIN_CELL:
                    indexes.append(None)
                    continue
                indexes.append(len(cells))
                cells.append((bbox, []))
            grid.append(indexes)
        layout.append((table.bbox[1], grid, [row.bbox[1] for row in table.rows]))
    free: list[dict[str, Any]] = []
    for word in words:
        # A word's place: a little right of its left edge (a word drawn a point or two left of the
        # ruling line found for its cell still belongs to it), and its middle height.
        x = min((word["x0"] + word["x1"]) / 2, word["x0"] + WORD_INSET)
        y = (word["top"] + word["bottom"]) / 2
        home = next(
            (found for (x0, top, x1, bottom), found in cells if x0 <= x < x1 and top <= y < bottom), None
        )
        if home is None and any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes):
            # Inside a table but between its cells (separate cell borders leave a gap): the nearest cell.
            home = min(cells, key=lambda cell: _distance(cell[0], x, y))[1]
        (free if home is None else home).append(word)
    blocks: list[_Block] = []
    for top, grid, row_tops in layout:
        rows = [[_cell_text(cells[i][1]) for i in row if i is not None] for row in grid]
        lefts = [[cells[i][0][0] for i in row if i is not None] for row in grid]
        blocks.append(_Block(top, "table", rows, lefts=lefts, tops=row_tops))
    rules = [(edge["top"], edge["x0"], edge["x1"]) for edge in page.edges if edge["orientation"] == "h"]
    unruled, rest = _unruled.find(_word_lines(free), rules)
    for table in unruled:
        rows = [[_cell_text(words) for words in row] for row in table.rows]
        lefts = [table.starts] * len(rows)
        blocks.append(
            _Block(
                table.top,
                "table",
                rows,
                lefts=lefts,
                tops=table.row_tops,
                fragment=table.fragment,
                ruled=False,
            )
        )
    free = [word for line in rest for word in line]
    for line_top, text, size in _paragraph_lines(free):
        blocks.append(_Block(line_top, "text", [[text]], [size], tops=[line_top]))
    blocks.sort(key=lambda block: block.top)
    # Consecutive text lines are one block (one paragraph run), separated from tables.
    merged: list[_Block] = []
    for block in blocks:
        if block.kind == "text" and merged and merged[-1].kind == "text":
            merged[-1].rows += block.rows
            merged[-1].sizes += block.sizes
            merged[-1].tops += block.tops
        else:
            merged.append(block)
    return merged


def _distance(bbox: tuple[float, float, float, float], x: float, y: float) -> float:
    x0, top, x1, bottom = bbox
    return max(x0 - x, 0, x - x1) + max(top - y, 0, y - bottom)


def _word_lines(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The words grouped into lines, top to bottom, each line left to right."""
    lines: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) < LINE_TOLERANCE:
            lines[-1].append(word)
        else:
            lines.append([word])
    for line in lines:
        line.sort(key=lambda w: w["x0"])
    return lines


def _runs(lines: list[list[dict[str, Any]]]) -> list[tuple[str, bool]]:
    """(text, bold) per word of lines read as one line: a space between words, none after a word
    that ends a line with a hyphen ("adultes-" / "relais" is "adultes-relais")."""
    runs: list[tuple[str, bool]] = []
    previous = ""
    for line in lines:
        for position, word in enumerate(line):
            glued = not runs or (position == 0 and previous.endswith("-") and len(previous) > 1)
            runs.append((("" if glued else " ") + word["text"], _is_bold(word["fontname"])))
            previous = word["text"]
    return runs


def _cell_text(words: list[dict[str, Any]]) -> str:
    """A cell's text on one line: its lines joined, a bold part running over a line break kept whole."""
    return _marked(_runs(_word_lines(words)), cell=True)


def _paragraph_lines(words: list[dict[str, Any]]) -> list[tuple[float, str, float]]:
    """(top, text with bold marked, font size) for each paragraph of free text: the lines a paragraph
    wraps over are joined back (a line that runs to the right edge of the text, followed closely by
    one of the same size), so that a paragraph is one line, as in the text exports."""
    lines = _word_lines(words)
    if not lines:
        return []
    right = max(line[-1]["x1"] for line in lines)
    paragraphs: list[list[list[dict[str, Any]]]] = []
    for line in lines:
        size = max(w["size"] for w in line)
        if paragraphs:
            last = paragraphs[-1][-1]
            last_size = max(w["size"] for w in last)
            full = last[-1]["x1"] >= right - 3 * last_size
            close = line[0]["top"] - max(w["bottom"] for w in last) < 0.8 * size
            if full and close and abs(size - last_size) < 0.5:
                paragraphs[-1].append(line)
                continue
        paragraphs.append([line])
    out = []
    for paragraph in paragraphs:
        top = paragraph[0][0]["top"]
        out.append((top, _marked(_runs(paragraph), cell=False), max(w["size"] for w in paragraph[0])))
    return out


def _is_bold(fontname: str) -> bool:
    name = fontname.split("+")[-1].lower()
    return "bold" in name or "black" in name or "heavy" in name or name.endswith((",b", "-b"))


class _Lines:
    """The converted lines and their pages; a blank line between blocks, as in the text exports."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.pages: list[int] = []
        self.tops: list[float | None] = []
        self.ends_with_table = False

    def block(
        self, lines: list[str], page: int, *, joined: bool = False, tops: list[float] | None = None
    ) -> None:
        line_tops: list[float | None] = list(tops) if tops is not None else [None] * len(lines)
        placed = list(zip(lines, line_tops, strict=True))
        if not joined:
            placed = [(line, top) for line, top in placed if line.strip()]
        if not placed:
            return
        if self.lines and not joined:
            self.lines.append("")
            self.pages.append(page)
            self.tops.append(None)
        self.lines += [line for line, _ in placed]
        self.pages += [page] * len(placed)
        self.tops += [round(top, 1) if top is not None else None for _, top in placed]
