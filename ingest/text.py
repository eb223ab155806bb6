"""Turning the HTML and markdown fragments of PDF-to-text exports into clean, readable text."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

_LIST_ITEM = re.compile(r"<li[^>]*>", re.IGNORECASE)
_BLOCK_BREAK = re.compile(r"</?(?:p|ul|ol|div|table|tr|br|h\d)[^>]*>|</li>", re.IGNORECASE)
_CELL_BREAK = re.compile(r"</?t[dh][^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_MARKDOWN_EMPHASIS = re.compile(r"(?<!\\)\*{1,3}|(?<![\w\\])_{2}|\\(?=[*_#])")
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_BLANK_LINES = re.compile(r"\n{2,}")
# Bullet characters the documents put at the start of list items themselves.
_BULLET_START = re.compile(r"^\s*[•●◦▪➤✚–—\-]")


# The parsers fold and strip the same short cells and labels over and over (profiled: most of a
# programme parse); both are pure, so their results are cached.
@lru_cache(maxsize=65536)
def strip_tags(fragment: str) -> str:
    """Plain text of one HTML/markdown fragment on one line (cell texts, headings)."""
    text = _TAG.sub(" ", fragment)
    text = html.unescape(text)
    text = _MARKDOWN_EMPHASIS.sub("", text)
    return _SPACES.sub(" ", text).strip()


def strip_html(fragment: str) -> str:
    """Plain text of a table cell: HTML removed, markdown kept (``*`` is a multiplication there)."""
    text = _TAG.sub(" ", fragment)
    text = html.unescape(text)
    return _SPACES.sub(" ", text).strip()


def clean_block(fragment: str) -> str:
    """Readable multi-line text of a field: paragraphs and list items on their own lines."""

    def _item(match: re.Match[str]) -> str:
        return "\n\u2022LI\u2022 "

    text = _LIST_ITEM.sub(_item, fragment)
    text = _BLOCK_BREAK.sub("\n", text)
    text = _CELL_BREAK.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _MARKDOWN_EMPHASIS.sub("", text)
    out: list[str] = []
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if line.startswith("\u2022LI\u2022"):
            item = line[len("\u2022LI\u2022") :].strip()
            if not item:
                continue
            # Items that carry their own bullet keep it; the others get a dash.
            line = item if _BULLET_START.match(item) else f"- {item}"
        if line:
            out.append(line)
    return _BLANK_LINES.sub("\n", "\n".join(out)).strip()


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key for matching labels and names."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.replace("\u2019", "'").lower()
    bare = re.sub(r"[^a-z0-9%€]+", " ", bare)
    return bare.strip()
