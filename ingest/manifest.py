"""What users say about their documents: the contract a document belongs to.

The contract is read from the document itself (``ingest.contracts``). Where that is not enough (a
document that names no contract, or names two), the user says it, either on the command line
(``cdv build --contract CV037 FILE``: for the files of that command) or in a ``cdv.toml`` file next to
the documents, which holds for every later build::

    # cdv.toml: the documents of this folder (and its subfolders) are of contract CV037 ...
    contract = "CV037"

    # ... except these files (names relative to this folder)
    [files]
    "annexe-bop.txt" = "CV038"

The nearest ``cdv.toml`` up the folders wins, and a file listed by name beats the folder's
``contract``; ``--contract`` beats both. A manifest that cannot be read is an error naming the file.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

MANIFEST_NAME = "cdv.toml"


class ManifestError(Exception):
    """A ``cdv.toml`` that cannot be read."""


@cache
def _read(path: Path) -> tuple[str | None, dict[str, str]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"{path}: not a readable cdv.toml ({exc})") from exc
    contract = data.get("contract")
    files = data.get("files", {})
    if contract is not None and not isinstance(contract, str):
        raise ManifestError(f"{path}: 'contract' must be a contract code such as \"CV037\"")
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise ManifestError(f"{path}: [files] must map file names to contract codes")
    return (contract.strip().upper() if contract else None), {k: v.strip().upper() for k, v in files.items()}


def contract_hint(path: Path, given: str | None = None) -> str | None:
    """The contract the user gives for one document file, if any."""
    if given:
        return given.strip().upper()
    resolved = path.resolve()
    for folder in resolved.parents:
        manifest = folder / MANIFEST_NAME
        if manifest.is_file():
            contract, files = _read(manifest)
            relative = resolved.relative_to(folder).as_posix()
            if relative in files:
                return files[relative]
            return contract
    return None
