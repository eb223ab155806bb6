"""What the parsers read from a fixed set of documents, as one digest per raw table and document.

The parsers are reshaped for speed and readability without changing a single row: this records, for
the bundled documents, the other contracts' test documents, the ANCT files and documents made by the
benchmark's generator (other territories, sizes, funders), each raw table's row count and a hash
of its rows (columns sorted, values as text), and compares them with ``snapshots/parsed.json``.

    python -m tests.parse_snapshot            # compare, print what differs
    python -m tests.parse_snapshot --update   # record the current parsers' output (a deliberate change)
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from ingest.pipeline import Prepared, prepare_document

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = Path(__file__).resolve().parent / "snapshots" / "parsed.json"
FIXED_INPUTS = ("data/documents", "tests/documents", "data/anct")
GENERATED_SEED = 1515
GENERATED_COUNT = 24
# Columns that are not read from the document: when and by which code version it was read.
_NOT_READ = {"loaded_at", "parser_version", "file_modified_at"}


def inputs(workdir: Path) -> list[Path]:
    """The fixed documents and, written into ``workdir``, the generated ones."""
    from bench import generate

    paths = sorted(
        p for folder in FIXED_INPUTS for p in (ROOT / folder).iterdir() if p.suffix in {".txt", ".json"}
    )
    sources = generate.load_sources()
    for index in range(GENERATED_COUNT):
        made = generate.generate_document(index, GENERATED_SEED, sources, known_share=0.25, annex_share=0.25)
        path = workdir / f"{index:02d}-{made.file_name}"
        path.write_text(made.text, encoding="utf-8")
        paths.append(path)
    return paths


def _digest(rows: list[dict[str, Any]]) -> str:
    canonical = sorted(
        json.dumps(
            {k: v for k, v in row.items() if k not in _NOT_READ},
            sort_keys=True,
            default=str,
            ensure_ascii=False,
        )
        for row in rows
    )
    return hashlib.sha256("\n".join(canonical).encode()).hexdigest()[:20]


def snapshot(paths: list[Path]) -> dict[str, dict[str, list[Any]]]:
    """{document name: {raw table: [row count, digest]}}; issues as the ``ingest_issues`` entry."""
    out: dict[str, dict[str, list[Any]]] = {}
    for path in paths:
        prepared = prepare_document(path)
        assert isinstance(prepared, Prepared), f"{path}: {prepared}"
        tables = {name: table.to_pylist() for name, table in prepared.tables.items()}
        issues = [
            {
                "line": i.line,
                "severity": i.severity,
                "rule": i.rule,
                "message": i.message,
                "text": i.source_text,
            }
            for i in prepared.doc.issues
        ]
        tables["ingest_issues"] = issues
        out[path.name] = {table: [len(rows), _digest(rows)] for table, rows in sorted(tables.items())}
    return out


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    found = []
    for name in sorted(expected.keys() | actual.keys()):
        if name not in actual or name not in expected:
            found.append(f"{name}: {'missing now' if name not in actual else 'not in the snapshot'}")
            continue
        for table in sorted(expected[name].keys() | actual[name].keys()):
            before, after = expected[name].get(table), actual[name].get(table)
            if before != after:
                found.append(f"{name} {table}: {before} -> {after}")
    return found


def main(argv: list[str]) -> int:
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        actual = snapshot(inputs(Path(work)))
    if "--update" in argv:
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(actual, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {SNAPSHOT} ({len(actual)} documents)")
        return 0
    found = differences(json.loads(SNAPSHOT.read_text(encoding="utf-8")), actual)
    print("\n".join(found) or f"same rows as {SNAPSHOT.name} ({len(actual)} documents)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
