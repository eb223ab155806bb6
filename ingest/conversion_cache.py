"""Conversions of PDF and Word files kept on disk, so that a scheduled build does not convert its
unchanged files again (a 20-page PDF takes seconds).

An entry is keyed by the hash of the file's bytes and by the converter's own version (the source of
the modules that convert, and the PDF and Word libraries' versions): a new release of either
converts again. Entries live under ``$XDG_CACHE_HOME/cdv/conversions`` (``~/.cache`` by default),
one JSON file each, written whole (a temporary file renamed) so a killed build leaves none half
written; an entry that cannot be read is converted again. Conversions that failed (a scan, an
encrypted file) are not kept: the file may be fixed in place.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from ingest import convert, unruled
from ingest.convert import Converted
from ingest.records import Issue


def folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cdv" / "conversions"


@functools.cache
def converter_version() -> str:
    digest = hashlib.sha256()
    for module in (convert, unruled):
        digest.update(Path(module.__file__ or "").read_bytes())
    for package in ("pdfplumber", "pdfminer.six", "python-docx"):
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(package.encode())
    return digest.hexdigest()[:16]


def _path(key: bytes) -> Path:
    return folder() / f"{key.hex()}-{converter_version()}.json"


def get(key: bytes, make: Callable[[], Converted]) -> Converted:
    """The conversion kept for ``key`` (the hash of the file's bytes), else ``make()``, kept."""
    path = _path(key)
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        return Converted(
            entry["lines"],
            entry["pages"],
            entry["format"],
            tops=entry["tops"],
            issues=[Issue(**issue) for issue in entry["issues"]],
        )
    except (OSError, ValueError, KeyError, TypeError):
        pass
    converted = make()
    if converted.lines:
        _keep(path, converted)
    return converted


def _keep(path: Path, converted: Converted) -> None:
    entry = {
        "lines": converted.lines,
        "pages": converted.pages,
        "format": converted.format,
        "tops": converted.tops,
        "issues": [dataclasses.asdict(issue) for issue in converted.issues],
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
        ) as f:
            json.dump(entry, f, ensure_ascii=False)
        os.replace(f.name, path)
    except OSError:
        pass  # a read-only home: the build converts again next time
