"""Great Expectations suites on the raw tables, run by ``cdv build`` after ingest and before dbt.

The suites are GX Core 1.x ExpectationSuite JSON files kept in ``expectations/``: one per raw table
(``meta.table``), plus one on a frame derived here from the raw tables (``meta.derived``: the rows
each document produced, so that a document parsed into nothing is caught even when the counted
tables are empty). Each expectation carries GX's own ``severity``: a failed ``critical`` one stops
the build, a failed ``warning`` one is shown and the build goes on.

GX's SQL datasource fails on DuckDB (every expectation raises an IndexError, an open upstream
issue), so each table is read read-only into a pandas DataFrame, only the columns its suite names,
and validated in one ephemeral GX context per call: nothing is written to disk and nothing goes to
the network. Importing GX costs about two seconds, so it is imported here, on first use, and never
by the rest of the CLI.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ingest.kinds import KINDS
from ingest.warehouse import open_warehouse

SUITES_DIR = Path(__file__).resolve().parent.parent / "expectations"
SEVERITIES = ("critical", "warning")
# Shown per failed expectation: enough to find the rows, not a dump of them.
EXAMPLES = 5
# Keys of an expectation's kwargs that name a column of the validated frame.
_COLUMN_KEYS = ("column", "column_A", "column_B")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

Progress = Callable[[str], None]


class SuiteError(ValueError):
    """A suite file that cannot be used as written."""


@dataclass(frozen=True)
class Suite:
    """One suite file: what it validates and its expectations, as written."""

    name: str
    path: Path
    table: str | None
    derived: str | None
    row_id: tuple[str, ...]
    expectations: tuple[dict[str, Any], ...]

    @property
    def target(self) -> str:
        return f"raw.{self.table}" if self.table else f"derived.{self.derived}"

    def columns(self) -> list[str]:
        """The columns the expectations and the row identifiers read, in a stable order."""
        names: list[str] = []
        for expectation in self.expectations:
            kwargs = expectation["kwargs"]
            names += [kwargs[key] for key in _COLUMN_KEYS if isinstance(kwargs.get(key), str)]
            names += list(kwargs.get("column_list") or [])
            names += _condition_columns(kwargs.get("row_condition"))
        names += self.row_id
        return list(dict.fromkeys(names))


@dataclass
class Outcome:
    """The result of one expectation of one suite."""

    suite: str
    expectation: str
    column: str | None
    kwargs: dict[str, Any]
    severity: str
    success: bool
    why: str = ""
    element_count: int | None = None
    unexpected_count: int | None = None
    examples: list[Any] = field(default_factory=list)
    error: str | None = None

    def label(self) -> str:
        hidden = ("column", "row_condition", "condition_parser")
        shown = {k: v for k, v in self.kwargs.items() if k not in hidden}
        condition = self.kwargs.get("row_condition")
        args = ", ".join(f"{k}={v!r}" for k, v in shown.items())
        where = f" where {_condition_text(condition)}" if condition else ""
        column = f"{self.column}: " if self.column else ""
        return f"{self.suite} {column}{self.expectation}({args}){where}"

    def describe(self) -> str:
        if self.error:
            return f"{self.label()}: could not be evaluated: {self.error}"
        if self.unexpected_count is None:
            return f"{self.label()}: failed"
        counted = f"{self.unexpected_count} of {self.element_count} rows"
        examples = f", e.g. {'; '.join(_example_text(e) for e in self.examples)}" if self.examples else ""
        return f"{self.label()}: {counted}{examples}"


@dataclass
class ValidationReport:
    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    startup_seconds: float = 0.0
    frames: int = 0

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def critical_failures(self) -> list[Outcome]:
        return [o for o in self.failures if o.severity == "critical"]

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.failures if o.severity != "critical"]

    def failed(self, suite: str, expectation: str, column: str | None = None) -> list[Outcome]:
        """The failed outcomes of one expectation type (on one column) of one suite."""
        return [
            o
            for o in self.failures
            if o.suite == suite and o.expectation == expectation and (column is None or o.column == column)
        ]

    def summary_lines(self) -> list[str]:
        lines = [
            f"expectations: {len(self.outcomes)} checked on {self.frames} tables in {self.seconds:.1f} s "
            f"(GX start-up {self.startup_seconds:.1f} s): "
            f"{len(self.critical_failures)} critical failed, {len(self.warnings)} warnings"
        ]
        lines += [f"  {note}" for note in self.notes]
        lines += [f"  WARNING  {o.describe()}" for o in self.warnings]
        lines += [f"  CRITICAL {o.describe()}" for o in self.critical_failures]
        return lines


def known_kinds() -> list[str]:
    """The values ``raw.documents.kind`` may take: the recognised kinds, and ``unknown``."""
    return [kind.name for kind in KINDS] + ["unknown"]


def load_suites(directory: Path = SUITES_DIR) -> list[Suite]:
    """Read and check every ``*.json`` suite of the directory, sorted by file name."""
    suites = [_read_suite(path) for path in sorted(directory.glob("*.json"))]
    names = [suite.name for suite in suites]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SuiteError(f"suite names used twice in {directory}: {', '.join(duplicates)}")
    return suites


def _read_suite(path: Path) -> Suite:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SuiteError(f"{path.name}: not readable as JSON: {exc}") from exc
    meta = data.get("meta") or {}
    name = data.get("name")
    table, derived = meta.get("table"), meta.get("derived")
    if not isinstance(name, str) or not name:
        raise SuiteError(f"{path.name}: the suite has no name")
    if bool(table) == bool(derived):
        raise SuiteError(f"{path.name}: meta names either a raw table (table) or a derived frame (derived)")
    if table:
        schema, _, table = table.partition(".")
        if schema != "raw" or not _IDENTIFIER.match(table):
            raise SuiteError(f"{path.name}: meta.table must be raw.<table>, not {meta['table']!r}")
    if derived and derived not in DERIVED:
        raise SuiteError(f"{path.name}: no derived frame {derived!r} (known: {', '.join(DERIVED)})")
    expectations = data.get("expectations")
    if not isinstance(expectations, list) or not expectations:
        raise SuiteError(f"{path.name}: no expectations")
    for index, expectation in enumerate(expectations):
        where = f"{path.name}: expectation {index + 1}"
        if not isinstance(expectation, dict) or not isinstance(expectation.get("type"), str):
            raise SuiteError(f"{where}: needs a type")
        if not isinstance(expectation.get("kwargs"), dict):
            raise SuiteError(f"{where} ({expectation['type']}): needs kwargs")
        # GX defaults a missing severity to critical; here it is always written out.
        if expectation.get("severity") not in SEVERITIES:
            raise SuiteError(f"{where} ({expectation['type']}): severity must be one of {SEVERITIES}")
    return Suite(name, path, table or None, derived, tuple(meta.get("row_id") or ()), tuple(expectations))


def validate_warehouse(
    db_path: Path, progress: Progress = print, *, suites_dir: Path = SUITES_DIR
) -> ValidationReport:
    """Validate the raw tables of a warehouse file against the suites; never writes to the file."""
    return read_raw_tables(db_path, suites_dir=suites_dir).validate(progress)


@dataclass
class PendingValidation:
    """The raw tables read for the suites, in memory: validating them needs the file no more.

    ``cdv build`` reads them, lets dbt have the file and validates meanwhile (both take seconds,
    GX in this process and dbt in its own); a critical failure stops dbt and the build.
    """

    frames: list[tuple[Suite, pd.DataFrame]]
    notes: list[str]
    started: float

    def validate(self, progress: Progress = print) -> ValidationReport:
        report = ValidationReport(notes=list(self.notes), frames=len(self.frames))
        if self.frames:
            report.startup_seconds, report.outcomes = _run_gx(self.frames, {"known_kinds": known_kinds()})
        report.seconds = time.perf_counter() - self.started
        for line in report.summary_lines():
            progress(line)
        return report


def read_raw_tables(
    db_path: Path, *, suites_dir: Path = SUITES_DIR, only_tables: set[str] | None = None
) -> PendingValidation:
    """Read, read-only, the columns of the raw tables the suites name (and the derived frames).

    ``only_tables``: validate only the suites of these raw tables (a derived suite when one of the
    tables it is derived from is there); ``cdv build`` passes the tables its ingest changed when the
    suites are those that validated the published warehouse, whose other tables are as they were.
    """
    started = time.perf_counter()
    suites = load_suites(suites_dir)
    notes: list[str] = []
    kept: list[str] = []
    frames: list[tuple[Suite, pd.DataFrame]] = []
    with open_warehouse(db_path, read_only=True) as con:
        tables = _raw_columns(con)
        for suite in suites:
            reads = DERIVED_FROM[suite.derived] if suite.derived else (suite.table,)
            if only_tables is not None and not only_tables.intersection(reads):
                kept.append(suite.target)
                continue
            if suite.derived:
                frame = DERIVED[suite.derived](con, tables)
            elif suite.table not in tables:
                notes.append(f"skipped {suite.target}: table absent")
                continue
            else:
                present = [c for c in suite.columns() if c in tables[suite.table]]
                select = ", ".join(f'"{c}"' for c in present) or "1 as no_column"
                frame = con.execute(f"select {select} from raw.{suite.table}").df()
            if frame.empty:
                notes.append(f"skipped {suite.target}: no rows")
                continue
            frames.append((suite, frame))
    if kept:
        notes.insert(0, f"kept, unchanged since the build that validated them: {', '.join(kept)}")
    return PendingValidation(frames, notes, started)


def _raw_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'raw'"
    ).fetchall()
    tables: dict[str, set[str]] = {}
    for table, column in rows:
        tables.setdefault(table, set()).add(column)
    return tables


def _document_row_counts(con: duckdb.DuckDBPyConnection, tables: dict[str, set[str]]) -> pd.DataFrame:
    """One row per document, with the rows each content table holds for it (0 if the table is absent)."""
    if "documents" not in tables:
        return pd.DataFrame()
    counted = {
        "fiche_count": "fiches",
        "funding_table_count": "funding_tables",
        "annex_objective_count": "annex_objectives",
    }
    columns = [
        f"(select count(*) from raw.{table} t where t.document_sha256 = d.document_sha256) as {name}"
        if table in tables
        else f"0 as {name}"
        for name, table in counted.items()
    ]
    return con.execute(f"select d.document_file, d.kind, {', '.join(columns)} from raw.documents d").df()


DERIVED: dict[str, Callable[[duckdb.DuckDBPyConnection, dict[str, set[str]]], pd.DataFrame]] = {
    "document_row_counts": _document_row_counts,
}
# The raw tables each derived frame is computed from.
DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "document_row_counts": ("documents", "fiches", "funding_tables", "annex_objectives"),
}


def suites_fingerprint(suites_dir: Path = SUITES_DIR) -> str:
    """What the suites check: their files and the parameters they are given (the known kinds)."""
    digest = hashlib.sha256(json.dumps(known_kinds()).encode())
    for path in sorted(suites_dir.glob("*.json")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@contextmanager
def _quiet_gx() -> Iterator[None]:
    """GX logs and warns about its own internals; the report says what matters."""
    logger = logging.getLogger("great_expectations")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _run_gx(
    frames: list[tuple[Suite, pd.DataFrame]], parameters: dict[str, Any]
) -> tuple[float, list[Outcome]]:
    """(seconds to import GX and make its context, outcomes in suite file order)."""
    started = time.perf_counter()
    with _quiet_gx():
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.exceptions.exceptions import GreatExpectationsError
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        source = context.data_sources.add_pandas("cdv_raw")
        startup = time.perf_counter() - started
        outcomes: list[Outcome] = []
        for suite, frame in frames:
            expectations = []
            for index, spec in enumerate(suite.expectations):
                config = dict(spec, meta={**(spec.get("meta") or {}), "cdv_index": index})
                # Built one by one: gx.ExpectationSuite(expectations=[...]) logs an invalid one and drops it.
                try:
                    expectations.append(ExpectationConfiguration(**config).to_domain_obj())
                except (GreatExpectationsError, TypeError, ValueError) as exc:
                    where = f"{suite.path.name}: expectation {index + 1} ({spec['type']})"
                    raise SuiteError(f"{where}: {exc}") from exc
            gx_suite = gx.ExpectationSuite(name=suite.name, expectations=expectations)
            asset = source.add_dataframe_asset(name=suite.name)
            batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
                batch_parameters={"dataframe": frame}
            )
            row_id = [c for c in suite.row_id if c in frame.columns]
            result_format: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLES}
            if row_id:
                result_format["unexpected_index_column_names"] = row_id
            result = batch.validate(gx_suite, result_format=result_format, expectation_parameters=parameters)
            # GX returns the results in its own order; the report keeps the suite file's.
            ordered = sorted(result.results, key=_suite_index)
            outcomes += [_outcome(suite, r, parameters) for r in ordered]
    return startup, outcomes


def _outcome(suite: Suite, result: Any, parameters: dict[str, Any]) -> Outcome:
    spec = suite.expectations[result.expectation_config.meta["cdv_index"]]
    kwargs = {k: _resolved(v, parameters) for k, v in spec["kwargs"].items()}
    body = result.result or {}
    examples = body.get("partial_unexpected_index_list")
    if not examples or not isinstance(examples[0], dict):
        examples = body.get("partial_unexpected_list") or []
    return Outcome(
        suite=suite.name,
        expectation=spec["type"],
        column=kwargs.get("column") or kwargs.get("column_A"),
        kwargs=kwargs,
        severity=spec["severity"],
        success=bool(result.success),
        why=(spec.get("meta") or {}).get("why", ""),
        element_count=body.get("element_count"),
        unexpected_count=body.get("unexpected_count"),
        examples=[_plain(e) for e in examples[:EXAMPLES]],
        error=_exception_message(result.exception_info),
    )


def _resolved(value: Any, parameters: dict[str, Any]) -> Any:
    """A kwarg as validated: ``{"$PARAMETER": name}`` replaced by the value passed to GX."""
    if isinstance(value, dict) and set(value) == {"$PARAMETER"}:
        return parameters.get(value["$PARAMETER"], value)
    return value


def _exception_message(info: Any) -> str | None:
    """GX puts one exception record, or one per metric that failed, in exception_info."""
    if not isinstance(info, dict):
        return None
    records = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    for record in records:
        if record.get("raised_exception"):
            return str(record.get("exception_message") or "exception").splitlines()[0]
    return None


def _plain(value: Any) -> Any:
    """numpy and pandas scalars as plain Python values, so reports print and compare simply."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value)
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            return value.item()
        except (ValueError, TypeError):
            return value
    if isinstance(value, float) and value != value:
        return None
    return value


def _example_text(example: Any) -> str:
    if isinstance(example, dict):
        return ", ".join(f"{k}={v!r}" for k, v in example.items())
    return repr(example)


def _condition_columns(condition: Any) -> list[str]:
    """Columns a serialised GX row condition reads (comparison, nullity, and/or groups)."""
    if not isinstance(condition, dict):
        return []
    column = condition.get("column")
    names = [column["name"]] if isinstance(column, dict) and "name" in column else []
    for child in condition.get("conditions") or []:
        names += _condition_columns(child)
    return names


def _condition_text(condition: Any) -> str:
    if isinstance(condition, dict) and isinstance(condition.get("column"), dict):
        column = condition["column"].get("name")
        return f"{column} {condition.get('operator', '')} {condition.get('parameter')!r}"
    return str(condition)


def _suite_index(result: Any) -> int:
    """A GX result's place in its suite file (the ``cdv_index`` its expectation was given)."""
    config = result.expectation_config
    return int(config.meta["cdv_index"]) if config is not None and config.meta else 0
