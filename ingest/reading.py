"""Reading a file's bytes into lines, whatever encoding and line endings it came with."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ingest.records import Issue

# Share of control bytes above which a file is taken as binary, not as text.
_BINARY_CONTROL_SHARE = 0.05
_TEXT_CONTROLS = {9, 10, 12, 13}


@dataclass
class ReadText:
    """The decoded text of a file, split into lines, and how it was read."""

    path: Path
    sha256: str
    size_bytes: int
    encoding: str | None
    lines: list[str]
    issues: list[Issue] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def readable(self) -> bool:
        return self.encoding is not None


def _looks_binary(data: bytes) -> bool:
    sample = data[:65536]
    if not sample:
        return False
    if b"\x00" in sample and not (sample.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in _TEXT_CONTROLS)
    return controls / len(sample) > _BINARY_CONTROL_SHARE


def decode(data: bytes) -> tuple[str | None, str | None, list[Issue]]:
    """Decode bytes, trying the encodings PDF-to-text exports come in; never raises."""
    issues: list[Issue] = []
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", issues
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", issues
        except UnicodeDecodeError:
            pass
    if _looks_binary(data):
        issues.append(Issue(None, "error", "binary_file", "the file is binary, not text: not loaded", ""))
        return None, None, issues
    try:
        return data.decode("utf-8"), "utf-8", issues
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        issues.append(
            Issue(
                line,
                "warning",
                "not_utf8",
                "the file is not UTF-8 (first bad byte on this line): read as Windows-1252/Latin-1",
                "",
            )
        )
    try:
        return data.decode("cp1252"), "cp1252", issues
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", issues


def split_lines(text: str) -> list[str]:
    """Split on any line ending (\\r\\n, \\r, \\n); a final newline does not make an empty last line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_file(path: Path) -> ReadText:
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    text, encoding, issues = decode(data)
    lines = split_lines(text) if text is not None else []
    if text is not None and "\r" in text:
        issues.append(
            Issue(None, "info", "crlf_line_endings", "Windows or old Mac line endings normalised", "")
        )
    return ReadText(path, sha, len(data), encoding, lines, issues)
