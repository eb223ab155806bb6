"""Reading a file's bytes into lines, whatever encoding and line endings it came with.

What this module promises (README, "Guarantees"):

- it never raises on content, and never blocks: a FIFO, device or socket is not opened for a read
  that would wait for a writer, and a file over the size limit (``CDV_MAX_INPUT_MB``, default 32:
  ``ingest.settings``) is hashed in chunks but not read into memory nor parsed;
- UTF-8, UTF-8 with BOM, UTF-16 (with or without BOM) and Windows-1252/Latin-1 are read; binary
  content is recognised and not decoded; every departure from plain UTF-8 is one issue;
- ``sha256`` is the hash of the *text*: the UTF-8 bytes of the decoded text with its line endings
  normalised to ``\\n``. For a plain UTF-8 file with ``\\n`` endings that is the hash of the file's
  bytes (what ``sha256sum`` prints); the same text saved in another encoding or with Windows line
  endings has the same hash, so it is the same document and its money is not counted twice.
  Files that are not read (binary, too large, not a file) are keyed on the hash of their bytes.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ingest import conversion_cache
from ingest.convert import PDF_MAGIC, ZIP_MAGIC, Converted, convert, sniff
from ingest.records import Issue
from ingest.settings import MAX_INPUT_ENV, settings

# Share of control bytes above which a file is taken as binary, not as text.
_BINARY_CONTROL_SHARE = 0.05
_TEXT_CONTROLS = {9, 10, 12, 13}
# Share of NUL bytes on one side of the byte pairs that makes BOM-less text UTF-16, not binary.
_UTF16_NUL_SHARE = 0.4
_CHUNK = 1 << 20


@dataclass
class ReadText:
    """The decoded text of a file, split into lines, and how it was read."""

    path: Path
    sha256: str
    size_bytes: int
    encoding: str | None
    lines: list[str]
    issues: list[Issue] = field(default_factory=list)
    # The page each line was read from, for a converted PDF or Word file (ingest.convert); else None.
    pages: list[int] | None = None
    # Where each line starts on its page, in points from the top (PDF); else None.
    tops: list[float | None] | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def readable(self) -> bool:
        return self.encoding is not None


def _utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when NULs fill one side of the byte pairs (BOM-less UTF-16 text)."""
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sample[0 : pairs * 2 : 2].count(0)
    odd = sample[1 : pairs * 2 : 2].count(0)
    if odd / pairs >= _UTF16_NUL_SHARE and even == 0:
        return "utf-16-le"
    if even / pairs >= _UTF16_NUL_SHARE and odd == 0:
        return "utf-16-be"
    return None


# Every byte but the control characters that are not text: deleting them leaves the controls to count.
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if not (b < 32 and b not in _TEXT_CONTROLS))


def _looks_binary(data: bytes) -> bool:
    sample = data[:65536]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = len(sample.translate(None, _NOT_CONTROL_BYTES))
    return controls / len(sample) > _BINARY_CONTROL_SHARE


def _line_of(data: bytes, position: int) -> int:
    return data[:position].count(b"\n") + 1


def decode(data: bytes) -> tuple[str | None, str | None, list[Issue]]:
    """Decode bytes, trying the encodings PDF-to-text exports come in; never raises.

    Issues carry the line they are about but no source text: ``read_file`` adds it once the text
    is split into lines.
    """
    issues: list[Issue] = []
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig", issues
        except UnicodeDecodeError as exc:
            issues.append(
                Issue(
                    _line_of(data[3:], exc.start),
                    "warning",
                    "invalid_utf8",
                    "the file starts with a UTF-8 byte-order mark but holds bytes that are not UTF-8 "
                    "(first one on this line): they were read as the replacement character �",
                )
            )
            return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", issues
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        body = data[2:]
        try:
            text = body.decode(encoding)
            what = "read as UTF-16"
        except UnicodeDecodeError:
            text = body.decode(encoding, errors="replace")
            what = "read as UTF-16, the undecodable bytes (a truncated file?) as the replacement character �"
        issues.append(Issue(None, "info", "utf16_file", f"the file is UTF-16 with a byte-order mark: {what}"))
        return text, "utf-16", issues
    bomless = _utf16_without_bom(data[:65536])
    if bomless and not _looks_binary(data[:65536].decode(bomless, errors="replace").encode("utf-8")):
        text = data.decode(bomless, errors="replace")
        issues.append(
            Issue(
                None, "info", "utf16_file", f"the file is UTF-16 without a byte-order mark: read as {bomless}"
            )
        )
        return text, bomless, issues
    if _looks_binary(data):
        sample = data[:65536]
        nul = sample.find(b"\x00")
        where = f"a NUL byte at offset {nul}" if nul >= 0 else "control bytes in the first 64 KB"
        issues.append(
            Issue(None, "error", "binary_file", f"the file is binary, not text ({where}): not loaded")
        )
        return None, None, issues
    try:
        return data.decode("utf-8"), "utf-8", issues
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        text, encoding = data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "latin-1"
    # One byte is one character in these encodings: the line is counted as split_lines counts it.
    line = len(split_lines(text[:first_bad] + "x"))
    label = "Windows-1252" if encoding == "cp1252" else "Latin-1"
    issues.append(
        Issue(
            line,
            "warning",
            "not_utf8",
            f"the file is not UTF-8 (first non-UTF-8 byte on this line): read as {label}",
        )
    )
    return text, encoding, issues


def split_lines(text: str) -> list[str]:
    """Split on any line ending (\\r\\n, \\r, \\n); a final newline does not make an empty last line."""
    lines = normalise_newlines(text).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_sha256(text: str) -> str:
    """The document key of a decoded text: same text, same key, whatever its encoding or line endings."""
    return hashlib.sha256(normalise_newlines(text).encode("utf-8", errors="surrogatepass")).hexdigest()


def document_sha256(path: Path) -> str:
    """The key ``read_file`` gives the file (decoding it, not parsing it): what to compare with
    ``raw.documents.document_sha256`` to know whether a file is loaded already.

    A regular file that ``decode`` reads as UTF-8 as it is (no byte-order mark, no NUL, no CR,
    valid UTF-8) has the hash of its bytes: the text's UTF-8 encoding is those bytes. Hashing every
    input is the first step of every build, so this common case skips the decoding into lines.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return read_file(path).sha256  # raises as read_file does
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > settings().max_input_bytes:
            return read_file(path).sha256
        data = handle.read()
    if not data.startswith((*_BOMS, PDF_MAGIC, ZIP_MAGIC)) and b"\x00" not in data and b"\r" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return hashlib.sha256(data).hexdigest()
    return read_file(path).sha256


_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _unread(path: Path, sha: str, size: int, issue: Issue) -> ReadText:
    return ReadText(path, sha, size, None, [], [issue])


# Conversions of this process, by the hash of the file's bytes: a build hashes its inputs (for a PDF
# or Word file, the key is that of its converted text) and then parses them, reading each once.
_CONVERSIONS: dict[bytes, Converted] = {}
_CONVERSIONS_KEPT = 8


def _converted(data: bytes, what: str) -> Converted:
    key = hashlib.sha256(data).digest()
    if key not in _CONVERSIONS:
        while len(_CONVERSIONS) >= _CONVERSIONS_KEPT:
            _CONVERSIONS.pop(next(iter(_CONVERSIONS)))
        _CONVERSIONS[key] = conversion_cache.get(key, lambda: convert(data, what))
    return _CONVERSIONS[key]


def read_file(path: Path) -> ReadText:
    """Read one file; never blocks on a FIFO or device, never loads a file over the size limit."""
    # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            what = "a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO, device or socket"
            return _unread(
                path,
                hashlib.sha256(str(path).encode()).hexdigest(),
                0,
                Issue(None, "error", "not_a_file", f"the path is {what}, not a regular file: not read"),
            )
        limit = settings().max_input_bytes
        if info.st_size > limit:
            digest = hashlib.sha256()
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
            return _unread(
                path,
                digest.hexdigest(),
                info.st_size,
                Issue(
                    None,
                    "error",
                    "file_too_large",
                    f"the file is {info.st_size / 1e6:.1f} MB, over the {limit / 1e6:g} MB an input may have "
                    f"({MAX_INPUT_ENV}): not read, nothing loaded from it",
                ),
            )
        data = handle.read()
    binary_format = sniff(data)
    if binary_format is not None:
        converted = _converted(data, binary_format)
        if not converted.lines:
            return ReadText(path, hashlib.sha256(data).hexdigest(), len(data), None, [], converted.issues)
        # Same content, same key: the converted text is keyed as a text file of it would be.
        return ReadText(
            path,
            text_sha256(converted.text),
            len(data),
            binary_format,
            converted.lines,
            converted.issues,
            converted.pages,
            converted.tops if any(top is not None for top in converted.tops) else None,
        )
    text, encoding, issues = decode(data)
    if text is None:
        return ReadText(path, hashlib.sha256(data).hexdigest(), len(data), encoding, [], issues)
    lines = split_lines(text)
    if "\r" in text:
        kind = "Windows (CR LF)" if "\r\n" in text else "old Mac (CR)"
        issues.append(
            Issue(None, "info", "crlf_line_endings", f"the file has {kind} line endings: read as line breaks")
        )
    issues = [
        Issue(i.line, i.severity, i.rule, i.message, lines[i.line - 1])
        if i.line and 0 < i.line <= len(lines) and not i.source_text
        else i
        for i in issues
    ]
    return ReadText(path, text_sha256(text), len(data), encoding, lines, issues)
