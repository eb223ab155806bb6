"""Tables of a PDF page drawn without vertical ruling lines: read from how their words line up.

Many writers print tables with no borders, or with only a rule under each row. pdfplumber finds a
table from its ruling lines; without vertical ones there is none, and the words are read as text.
This module finds those tables among a page's free words:

- **Columns** are the *rivers* of a run of lines: the vertical strips no word of any of its lines
  enters, with text on both sides. A paragraph has none (its word spaces fall at other places on
  every line); a table has one between each pair of columns, however ragged its cells.
- A line belongs to the run only if, where it has words on both sides of a river, they are further
  apart than a word space: a line of a paragraph whose word space happens to fall in a river does
  not join the table. A change of font size (a heading) or a wide vertical gap ends the run too.
- **Rows**: a row ends where the gap to the next line is wider than the gap between the lines of a
  cell (the cell padding), or at a horizontal rule; the words of a row go to the column they start
  in, a cell's lines joined as one (``convert._cell_text``).

Limits: cells whose text touches (no padding and no spacing) cannot be told apart, and rows with
no vertical space or rule between them are read as one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median
from typing import Any

Word = dict[str, Any]
Rule = tuple[float, float, float]  # a horizontal rule: height, left, right

# A river is at least this wide (points) and a run of lines at least this long.
MIN_RIVER = 2.0
MIN_LINES = 2
# Words on both sides of a river are further apart than this many word spaces (else: a paragraph).
SPACE_FACTOR = 1.3
# A vertical gap wider than this many font sizes ends a run (a paragraph or section break).
MAX_GAP = 1.6
# The most space between two lines of one paragraph, in font sizes.
LEADING = 0.3
# Text on both sides of a river is at most this many font sizes apart in height.
ROW_WINDOW = 1.2
# Words start at one place (points) when their left edges are this close.
ALIGNED = 0.6
# A row's rule runs under this share of the table's width at least.
RULE_SHARE = 0.5
# Text indented by this share of the text's width at least is a cell's, not a paragraph's.
INDENT = 0.12
# Two font sizes closer than this (points) are one.
SIZE_TOLERANCE = 0.5


@dataclass
class Table:
    top: float
    rows: list[list[list[Word]]]  # row → column → words
    starts: list[float]  # the left edge of each column
    row_tops: list[float] = field(default_factory=list)
    # A table whose first column is empty (it starts right of the text's left edge): a piece of a
    # table whose other columns are elsewhere (convert places it on that table's columns).
    fragment: bool = False


def _line_size(line: list[Word]) -> float:
    return max(float(w["size"]) for w in line)


def _gaps(line: list[Word]) -> list[tuple[float, float]]:
    return [(a["x1"], b["x0"]) for a, b in zip(line, line[1:], strict=False)]


def word_space(lines: list[list[Word]]) -> float:
    """The usual space between two words, per point of font size (the median gap over size)."""
    gaps = [(b - a) / _line_size(line) for line in lines for a, b in _gaps(line) if b > a]
    return median(gaps) if gaps else 0.0


def _rivers(lines: list[list[Word]], width: float) -> list[tuple[float, float]]:
    """The strips at least ``width`` wide between the lines' leftmost and rightmost words that no
    word enters."""
    spans = sorted((w["x0"], w["x1"]) for line in lines for w in line)
    if not spans:
        return []
    rivers, reach = [], spans[0][1]
    for x0, x1 in spans[1:]:
        if x0 - reach >= width:
            rivers.append((reach, x0))
        reach = max(reach, x1)
    return rivers


def _overlaps(strip: tuple[float, float], strips: list[tuple[float, float]]) -> bool:
    return any(a < strip[1] and strip[0] < b for a, b in strips)


def _two_sided(river: tuple[float, float], lines: list[list[Word]]) -> bool:
    """Words on both sides of the river at one height (a line on its left and one on its right at
    most a line apart: a cell's text may start lower than its neighbour's)."""
    a, b = river
    lefts = [line[0]["top"] for line in lines if any(w["x1"] <= a + 0.01 for w in line)]
    rights = [line[0]["top"] for line in lines if any(w["x0"] >= b - 0.01 for w in line)]
    return any(abs(x - y) <= ROW_WINDOW * _line_size(lines[0]) for x in lefts for y in rights)


def _joins(
    line: list[Word], run: list[list[Word]], rivers: list[tuple[float, float]], width: float
) -> list[tuple[float, float]] | None:
    """The run's rivers with the line added, or None when the line is not a row of the run's table:
    it crosses a column break of the run (a river with words on both sides), or it breaks into
    columns where the run has words (a wide gap of the line meets no river of the run)."""
    joined = _rivers([*run, line], width)
    if not joined:
        return None
    if any(not _overlaps(river, joined) for river in rivers if _two_sided(river, run)):
        return None
    if any(not _overlaps(gap, rivers) for gap in _gaps(line) if gap[1] - gap[0] >= width):
        return None
    return joined


def _width(first: list[Word], space: float) -> float:
    """The narrowest river of a run whose first line is ``first``: wider than a word space."""
    return max(MIN_RIVER, SPACE_FACTOR * space * _line_size(first))


def _run(lines: list[list[Word]], start: int, space: float) -> tuple[int, list[tuple[float, float]]]:
    """The end of the run of lines from ``start`` and its rivers (none: no table starts there)."""
    width = _width(lines[start], space)
    end = start + 1
    rivers = _rivers(lines[start:end], width)
    # A first line of one cell (a label whose neighbour starts lower) gets its rivers from the next.
    while end < len(lines) and (rivers or end == start + 1):
        line, last = lines[end], lines[end - 1]
        size = _line_size(line)
        gap = line[0]["top"] - max(w["bottom"] for w in last)
        if abs(size - _line_size(last)) > SIZE_TOLERANCE or gap > MAX_GAP * size:
            break
        # A first line of one cell followed closely (a label cell's next line, its neighbour's
        # first line beside it) takes the rivers of the two.
        closely = not rivers and gap <= LEADING * size
        joined = (
            _rivers(lines[start : end + 1], width)
            if closely
            else _joins(line, lines[start:end], rivers, width)
        )
        if not joined:
            break
        rivers, end = joined, end + 1
    rivers = [river for river in rivers if _two_sided(river, lines[start:end])]
    # One line is a table row when it has three cells or more (a lone header or row).
    return end, (rivers if end - start >= MIN_LINES or len(rivers) >= 2 else [])


def _runs(
    lines: list[list[Word]], space: float, rules: list[Rule]
) -> list[tuple[int, int, list[tuple[float, float]]]]:
    """(first, end, rivers) for each run of lines that has rivers. When a line ends a run, the
    run's last row may be the first of the next table (a label whose cell text starts lower down):
    it goes to the next run if that run then takes the line."""
    found: list[tuple[int, int, list[tuple[float, float]]]] = []
    start = 0
    while start < len(lines):
        end, rivers = _run(lines, start, space)
        if not rivers:
            start += 1
            continue
        if end < len(lines) and end - start > MIN_LINES:
            last_row = len(_rows(lines[start:end], rules)[-1])
            restart = end - last_row
            if restart - start >= MIN_LINES:
                later, later_rivers = _run(lines, restart, space)
                if later_rivers and later > end:
                    found.append((start, restart, _run_rivers(lines[start:restart], space)))
                    found.append((restart, later, later_rivers))
                    start = later
                    continue
        found.append((start, end, rivers))
        start = end
    return found


def _run_rivers(run: list[list[Word]], space: float) -> list[tuple[float, float]]:
    return [river for river in _rivers(run, _width(run[0], space)) if _two_sided(river, run)]


def _rows(lines: list[list[Word]], rules: list[Rule]) -> list[list[list[Word]]]:
    """The lines grouped into rows. A table with a rule under its rows is cut at its rules only
    (its cells' paragraphs may be far apart); else a new row starts after a gap wider than that
    between the lines of a cell (the padding between rows)."""
    gaps = [b[0]["top"] - max(w["bottom"] for w in a) for a, b in zip(lines, lines[1:], strict=False)]
    size = median(_line_size(line) for line in lines)
    left, right = _span(lines)
    ruled = [
        _ruled(max(w["bottom"] for w in previous), line[0]["top"], left, right, rules)
        for previous, line in zip(lines, lines[1:], strict=False)
    ]
    # The gap between two lines of a cell: the font's leading, at most a third of its size (when
    # every row is one line, the smallest gap is between rows).
    leading = [gap for gap in gaps if 0 < gap <= LEADING * size]
    least = median(leading) if leading else LEADING * size
    rows: list[list[list[Word]]] = [[lines[0]]]
    for gap, cut, line in zip(gaps, ruled, lines[1:], strict=True):
        if cut if any(ruled) else gap > least + max(1.0, 0.15 * size):
            rows.append([line])
        else:
            rows[-1].append(line)
    return rows


def _span(lines: list[list[Word]]) -> tuple[float, float]:
    return min(w["x0"] for line in lines for w in line), max(w["x1"] for line in lines for w in line)


def _ruled(top: float, bottom: float, left: float, right: float, rules: list[Rule]) -> bool:
    """A rule runs between the heights top and bottom under half the table's width at least (an
    underlined word is no row's rule)."""
    covered = sum(
        max(0.0, min(x1, right) - max(x0, left)) for y, x0, x1 in rules if top - 1 <= y <= bottom + 1
    )
    return covered >= RULE_SHARE * (right - left)


def _aligned_rivers(
    run: list[list[Word]], rivers: list[tuple[float, float]], width: float
) -> list[tuple[float, float]]:
    """Column breaks narrower than a river: empty columns shrink to their header, whose words are
    then only the cell padding apart, barely more than a word space. A strip no word of the table
    enters is a column break when words of two lines start at its right edge (cells of one column
    start at one place; the second word of a header does not start a cell of another row)."""
    found = []
    for strip in _rivers(run, MIN_RIVER):
        if _overlaps(strip, rivers):
            continue
        starting = [[i for i, w in enumerate(line) if abs(w["x0"] - strip[1]) <= ALIGNED] for line in run]
        # ... one of them after a wide gap (or first on its line): a cell's start, not a word's.
        wide = any(
            i == 0 or line[i]["x0"] - line[i - 1]["x1"] >= width
            for line, found_at in zip(run, starting, strict=True)
            for i in found_at
        )
        if sum(1 for found_at in starting if found_at) >= 2 and wide:
            found.append(strip)
    return found


def _table(run: list[list[Word]], starts: list[float], rules: list[Rule], *, fragment: bool) -> Table:
    """The run's words in rows and columns (a word goes to the column it starts in)."""
    rows, tops = [], []
    for row in _rows(run, rules):
        cells: list[list[Word]] = [[] for _ in starts]
        for line in row:
            for word in line:
                column = max((i for i, x in enumerate(starts) if x <= word["x0"] + 0.01), default=0)
                cells[column].append(word)
        rows.append(cells)
        tops.append(min(w["top"] for line in row for w in line))
    return Table(run[0][0]["top"], rows, starts, tops, fragment)


def _indented(lines: list[list[Word]], left: float, right: float, body: float) -> list[tuple[int, int]]:
    """(first, end) of each block of lines of body text that start well right of the text's left
    edge, all at one place: the cells of a table row whose first cell is empty (a field's text
    going on after a page break, a "Crédits spécifiques" row), which have no river to be found by."""
    blocks: list[tuple[int, int]] = []
    for index, line in enumerate(lines):
        x = line[0]["x0"]
        indented = x - left >= INDENT * (right - left) and abs(_line_size(line) - body) <= SIZE_TOLERANCE
        if not indented:
            continue
        if blocks and blocks[-1][1] == index:
            first = lines[blocks[-1][0]]
            gap = line[0]["top"] - max(w["bottom"] for w in lines[index - 1])
            if abs(first[0]["x0"] - x) <= 1.0 and gap <= MAX_GAP * body:
                blocks[-1] = (blocks[-1][0], index + 1)
                continue
        blocks.append((index, index + 1))
    return blocks


def find(lines: list[list[Word]], rules: list[Rule]) -> tuple[list[Table], list[list[Word]]]:
    """The tables among lines of words (top to bottom, each left to right), and the lines that
    are no table's. ``rules``: the page's horizontal ruling lines."""
    space = word_space(lines)
    if not space:
        return [], lines
    tables: list[Table] = []
    rest: list[list[Word]] = []
    left, right = _span(lines)
    position = 0
    for start, end, rivers in _runs(lines, space, rules):
        rest += lines[position:start]
        position = end
        run = lines[start:end]
        rivers = sorted(rivers + _aligned_rivers(run, rivers, _width(run[0], space)))
        first = min(w["x0"] for line in run for w in line)
        starts = [first, *(b for _, b in rivers)]
        tables.append(_table(run, starts, rules, fragment=first - left >= INDENT * (right - left)))
    rest += lines[position:]
    if not tables:
        return tables, rest
    # Text beside the tables, indented as a cell: a piece of a table with an empty first cell.
    body = median(_line_size(line) for line in lines)
    free: list[list[Word]] = []
    position = 0
    for start, end in _indented(rest, left, right, body):
        free += rest[position:start]
        position = end
        tables.append(_table(rest[start:end], [rest[start][0]["x0"]], rules, fragment=True))
    free += rest[position:]
    return tables, free
