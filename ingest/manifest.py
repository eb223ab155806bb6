"""What users say about their documents: the contract a document belongs to.

The contract is read from the document itself (``ingest.contracts``). Where that is not enough (a
document that names no contract, or names two), the user says it, either on the command line
(``cdv build --contract CV037 FILE``: for the files of that command) or in a ``cdv.toml`` file next to
the documents, which holds for every later build::

    # cdv.toml: the documents of this folder (and its subfolders) are of contract CV037 ...
    contract = "CV037"

    # the versions of a document, oldest first: the last listed is current, whatever the dates
    versions = ["programme-janvier.txt", "programme-mai.txt"]

    # ... except these files (names relative to this folder)
    [files]
    "annexe-bop.txt" = "CV112"

The nearest ``cdv.toml`` up the folders wins, and a file listed by name beats the folder's
``contract``; ``--contract`` beats both. ``versions`` orders versions of one document (names relative
to the folder): what the user writes beats the date a document states and its file's time. A
manifest that cannot be read is an error naming the file.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

MANIFEST_NAME = "cdv.toml"


class ManifestError(Exception):
    """A ``cdv.toml`` that cannot be read."""


@cache
def _data(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"{path}: not a readable cdv.toml ({exc})") from exc


@cache
def _read(path: Path) -> tuple[str | None, dict[str, str]]:
    data = _data(path)
    contract = data.get("contract")
    files = data.get("files", {})
    if contract is not None and not isinstance(contract, str):
        raise ManifestError(f"{path}: 'contract' must be a contract code such as \"CV037\"")
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise ManifestError(f"{path}: [files] must map file names to contract codes")
    return (contract.strip().upper() if contract else None), {k: v.strip().upper() for k, v in files.items()}


def _nearest(path: Path) -> tuple[Path, str] | None:
    """The nearest ``cdv.toml`` up the folders of a file, and the file's name relative to its folder."""
    resolved = path.resolve()
    for folder in resolved.parents:
        manifest = folder / MANIFEST_NAME
        if manifest.is_file():
            return manifest, resolved.relative_to(folder).as_posix()
    return None


def contract_hint(path: Path, given: str | None = None) -> str | None:
    """The contract the user gives for one document file, if any."""
    if given:
        return given.strip().upper()
    found = _nearest(path)
    if found is None:
        return None
    contract, files = _read(found[0])
    return files.get(found[1], contract)


@cache
def _versions(path: Path) -> dict[str, int]:
    versions = _data(path).get("versions", [])
    if not isinstance(versions, list) or not all(isinstance(v, str) and v.strip() for v in versions):
        raise ManifestError(f"{path}: 'versions' must list file names, oldest first")
    if len(set(versions)) != len(versions):
        raise ManifestError(f"{path}: 'versions' lists a file twice")
    return {name.strip(): rank for rank, name in enumerate(versions, start=1)}


def version_rank(path: Path) -> int | None:
    """The place of a document among its versions as the nearest ``cdv.toml`` lists them (1: the
    oldest), or None when no manifest lists it."""
    found = _nearest(path)
    return _versions(found[0]).get(found[1]) if found else None
