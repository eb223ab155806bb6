"""Turning the HTML and markdown fragments of PDF-to-text exports into clean, readable text."""

from __future__ import annotations

import codecs
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


@lru_cache(maxsize=4096)
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


class _DropCombining(dict[int, int | None]):
    """``str.translate`` table that deletes combining marks: filled lazily, one entry per code point seen."""

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.combining(chr(code)) else code
        self[code] = value
        return value


_DROP_COMBINING = _DropCombining()
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789%€")


def _image(char: str) -> str:
    """``fold`` of one character before separators are collapsed (``é`` -> ``e``, ``●`` -> `` ``)."""
    bare = unicodedata.normalize("NFKD", char).translate(_DROP_COMBINING).replace("\u2019", "'").lower()
    return "".join(c if c in _KEY_CHARS else " " for c in bare)


def _cp1252_fold_table() -> tuple[bytes, bytes, tuple[tuple[str, str], ...]]:
    """``fold`` of each Windows-1252 character on its own, as a ``bytes.translate`` table.

    ``fold`` is character-local (decomposition, dropping marks and lowering act on each
    character; only the final collapse of separators joins them), so folding a text is one byte
    translation and a collapse of spaces. Characters whose fold is more than one character
    (``½`` -> ``1 2``, ``™`` -> ``tm``) are listed with it, to be replaced before the translation.
    """
    table, delete, several = bytearray(range(256)), bytearray(), []
    for value in range(256):
        try:
            char = bytes([value]).decode("cp1252")
        except UnicodeDecodeError:  # the five bytes Windows-1252 leaves undefined: never encoded
            continue
        image = " ".join(_image(char).split()) or (" " if _image(char) else "")
        if not image:
            delete.append(value)
        elif len(image) == 1:
            table[value] = image.encode("cp1252")[0]
        else:
            several.append((char, image))
    return bytes(table), bytes(delete), tuple(several)


_CP1252_TABLE, _CP1252_DELETE, _CP1252_SEVERAL = _cp1252_fold_table()


def _fold_outside_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Encoding error handler: characters outside Windows-1252 (bullets ``●``, ``ā``, ``ﬁ``) are
    replaced by their fold, which is plain ASCII or ``€``, and so is left as it is by the table."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return "".join(_image(char) for char in error.object[error.start : error.end]), error.end


codecs.register_error("cdv-fold", _fold_outside_cp1252)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key for matching labels and names.

    NFKD, combining marks dropped, ``’`` read as ``'``, lower case, every run of other characters
    than ``a-z0-9%€`` one space, stripped. Done as one byte translation of the text's Windows-1252
    encoding, the characters outside it folded on the way (profiled: folding whole documents to
    find their contract was a tenth of a programme parse); ``tests/test_text.py`` holds
    it equal to the plain definition.
    """
    for char, image in _CP1252_SEVERAL:
        if char in text:
            text = text.replace(char, image)
    data = text.encode("cp1252", errors="cdv-fold")
    return " ".join(data.translate(_CP1252_TABLE, _CP1252_DELETE).decode("cp1252").split())
