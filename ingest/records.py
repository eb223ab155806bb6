"""Typed records shared by every parser.

A parser never raises on bad content: it returns a ``ParseResult`` holding the
rows it could read, table by table, and the ``Issue`` rows for what it could not
read cleanly. The loader adds the document's provenance (file name, hash, load
time) to every row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Issue:
    """One thing a parser could not read cleanly, anchored to a source line."""

    line: int | None
    severity: str
    rule: str
    message: str
    source_text: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")


@dataclass
class ParseResult:
    """What a parser read from one document.

    ``tables`` maps a raw table name (without schema) to its rows, each row a
    dict whose keys are that table's columns (see ``ingest.schema``), minus the
    provenance columns the loader adds; parsers build them as the typed rows of
    ``ingest.rows``.
    """

    kind: str
    contract_code: str | None = None
    # How the contract was recognised (``ingest.contracts.ContractMatch``), and its QPVs as read.
    contract: Any = None
    contract_qpvs: list[str] = field(default_factory=list)
    contract_qpv_rule: str | None = None
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def add(self, table: str, row: Mapping[str, Any]) -> None:
        """File ``row`` (a typed row of ``ingest.rows``: a dict at run time) under ``table``."""
        self.tables.setdefault(table, []).append(cast(dict[str, Any], row))

    def issue(
        self,
        line: int | None,
        severity: str,
        rule: str,
        message: str,
        source_text: str = "",
    ) -> None:
        self.issues.append(Issue(line, severity, rule, message, source_text))
