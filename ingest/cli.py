"""The ``cdv`` command line: ingest documents, build the warehouse, look at it."""

from __future__ import annotations

import argparse
import signal
import stat
import sys
from pathlib import Path

from ingest.build import POSTGRES_INGEST_DB, BuildError, BuildLocked, build, build_lock
from ingest.inputs import describe as describe_removals
from ingest.loading import connect
from ingest.manifest import ManifestError
from ingest.pipeline import InputError, ingest_paths
from ingest.postgres import PostgresError, PostgresLocked, Server
from ingest.query import FORMATS, QueryError, format_eur, render, run_query, status
from ingest.readers import ReaderError, Target
from ingest.readers import resolve as resolve_target
from ingest.settings import SettingsError, settings

EXAMPLES = """examples:
  cdv build                                  build ./warehouse.duckdb from data/ (documents, ANCT open data)
  cdv add contrat.pdf fiches.docx            add your contract's files to the warehouse, and build
  cdv status                                 when it was built, from which files, what was not read cleanly
  cdv query "select funder_code, sum(amount_eur) from analytics.funding_by_qpv_year group by 1"
  cdv query dashboard/sql/funding_by_qpv.sql --param funding_year=2016 --format csv-fr > qpv.csv
  cdv export xlsx -o financements.xlsx       a workbook: funder x QPV x year
  cdv convert contrat.pdf --pages            the text a PDF or Word file converts to
  cdv status --target postgres               the warehouse published on a PostgreSQL server, as its readers see it

every command takes --db FILE (default: $CDV_DB, else ./warehouse.duckdb); build, add, remove, query,
status and export scdl also take --target postgres and --dsn DSN (default: $CDV_TARGET, $CDV_PG_DSN, libpq's
PGHOST...; readers connect as the reader role, $CDV_PG_READER); cdv COMMAND --help for more."""


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("cdv-warehouse")
    except metadata.PackageNotFoundError:  # run from a checkout that is not installed
        return "(not installed)"


def _db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", type=Path, default=None, help="warehouse file (default: $CDV_DB or ./warehouse.duckdb)"
    )


def _target_args(parser: argparse.ArgumentParser) -> None:
    """--target and --dsn: the warehouse on a PostgreSQL server instead of the DuckDB file."""
    parser.add_argument(
        "--target",
        choices=("duckdb", "postgres"),
        default=None,
        help="where the warehouse is published: the DuckDB file (default, or $CDV_TARGET) or a PostgreSQL server",
    )
    parser.add_argument(
        "--dsn",
        default=None,
        help="the PostgreSQL server (a libpq connection string; default: $CDV_PG_DSN, else PGHOST, PGPORT, "
        "PGDATABASE, PGUSER); implies --target postgres",
    )


def _contract_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--contract",
        metavar="CODE",
        default=None,
        help="the contrat de ville of the documents named (CVnnn or CNdddnnX of ref_contracts), when they "
        "do not say it clearly themselves; to keep it for later builds, write it in a cdv.toml next to them",
    )


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _check_inputs(paths: list[Path]) -> None:
    """Each path named is a regular file or a folder: a FIFO or device would block or mean nothing."""
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        mode = path.stat().st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise InputError(
                f"{path}: not a regular file or a folder (a FIFO, device or socket): nothing read"
            )


def _check_db(db: Path) -> None:
    if db.exists() and not db.is_file():
        raise InputError(f"{db}: not a warehouse file (a folder or a special file)")
    if not db.parent.is_dir():
        raise InputError(f"{db}: the folder {db.parent} does not exist: create it first")


def cmd_ingest(args: argparse.Namespace) -> int:
    db = (args.db or settings().db).resolve()
    _check_inputs(args.paths)
    _check_db(db)
    # The same lock as `cdv build`: a build copies the warehouse at its start and swaps its copy in
    # at its end, so rows ingested into the warehouse in between would be silently lost.
    with build_lock(db, wait=args.wait, what="cdv ingest", say=_say):
        con = connect(str(db))
        try:
            report = ingest_paths(con, args.paths, force=args.force, progress=_say, contract=args.contract)
        finally:
            con.close()
    for message in report.messages:
        _say(message)
    print(
        f"ingested {len(report.loaded)} document(s), {len(report.unchanged)} unchanged, "
        f"{len(report.rejected)} rejected into {db}"
    )
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    target = resolve_target(getattr(args, "target", None), args.db, getattr(args, "dsn", None))
    server = Server(target.dsn) if target.kind == "postgres" else None
    # On a server, the DuckDB file keeps the ingest's raw tables and inputs between builds.
    db = args.db or (POSTGRES_INGEST_DB if server else settings().db)
    _check_inputs(args.paths)
    _check_db(db.resolve())
    result = build(
        db,
        args.paths or None,
        force=args.force,
        wait=args.wait,
        progress=_say,
        contract=args.contract,
        mirror=getattr(args, "mirror", False),
        remove=getattr(args, "remove_paths", None),
        server=server,
    )
    for message in result.ingest.messages:
        _say(message)
    print(
        f"warehouse built: {db}"
        if server is None
        else f"warehouse built: PostgreSQL {server.describe()} (ingest kept in {db})"
    )
    if result.ingest.removed:
        print(f"  {describe_removals(result.ingest.removed)}")
    for file, message in result.superseded:
        print(f"  version: {file} {message}")
    print(f"  {result.quarantine.headline()}")
    for rule, rows, amount in result.quarantine.rules:
        print(f"    {rule:<31} {rows} ({format_eur(amount)} as read; see analytics.quarantine)")
    for label, value in result.summary.items():
        print(f"  {label:<17} {value}")
    for step, seconds in result.steps:
        print(f"  {step + ' time':<17} {seconds:.1f} s")
    if result.published_nothing:
        _say(
            "nothing could be published: every row is in quarantine (cdv query 'select * from analytics.quarantine')"
        )
        return 1
    return 0


def _reader_target(args: argparse.Namespace) -> Target:
    """The warehouse a reading command reads: --target, --dsn and --db, else the environment's."""
    return resolve_target(args.target, args.db, args.dsn)


def cmd_query(args: argparse.Namespace) -> int:
    sql = args.sql
    if sql.strip().lower().endswith(".sql") and "\n" not in sql:
        path = Path(sql)
        if not path.is_file():
            raise QueryError(f"{path}: no such SQL file")
        sql = path.read_text(encoding="utf-8")
    params = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"--param {item!r}: write it name=value (for example --param qpv_code=QP034001)")
        params[name.strip()] = value
    print(render(run_query(_reader_target(args), sql, params), args.format).rstrip("\n"))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    print(status(_reader_target(args)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ingest.export import export_scdl

    target = _reader_target(args)
    if args.format == "xlsx":
        from ingest.workbook import export_xlsx

        if args.output is None or str(args.output) == "-":
            raise InputError("cdv export xlsx: name the workbook to write with -o FILE.xlsx")
        if target.kind == "postgres":
            raise InputError(
                "cdv export xlsx reads the DuckDB file only: give --target duckdb (or --db FILE); "
                "cdv export scdl reads either"
            )
        assert target.db is not None
        for line in export_xlsx(target.db, args.output, args.contract).notes():
            _say(line)
        return 0
    if args.contract:
        raise InputError("cdv export scdl exports every funding line: --contract is for xlsx")
    report = export_scdl(target, args.output)
    for line in report.notes():
        _say(line)
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    """Print the text a PDF or Word file converts to: what the parsers read (a text file as it is)."""
    from ingest.reading import read_file

    path: Path = args.file
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    read = read_file(path)
    for issue in read.issues:
        where = f"{path}:{issue.line}" if issue.line else str(path)
        _say(f"{where}: {issue.message}")
    if not read.lines:
        return 1
    pages: list[int | None] = list(read.pages) if read.pages else [None] * len(read.lines)
    try:
        for line, page in zip(read.lines, pages, strict=True):
            print(f"{page}\t{line}" if args.pages and page is not None else line)
        sys.stdout.flush()
    except BrokenPipeError:  # cdv convert FILE | head
        # Nothing more to write, nor to flush at exit.
        sys.stdout = None
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cdv",
        description=__doc__,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    p_ingest = sub.add_parser("ingest", help="parse files or folders and load them into the raw tables")
    p_ingest.add_argument("paths", nargs="+", type=Path)
    p_ingest.add_argument("--force", action="store_true", help="re-parse documents even when unchanged")
    p_ingest.add_argument("--wait", action="store_true", help="wait for a running build instead of failing")
    _contract_arg(p_ingest)
    _db_arg(p_ingest)
    p_ingest.set_defaults(func=cmd_ingest)

    p_build = sub.add_parser("build", help="ingest the inputs (default: data/) and run dbt build")
    p_build.add_argument("paths", nargs="*", type=Path)
    p_build.add_argument("--force", action="store_true", help="re-parse documents even when unchanged")
    p_build.add_argument("--wait", action="store_true", help="wait for a running build instead of failing")
    p_build.add_argument(
        "--mirror",
        action="store_true",
        help="build from exactly the paths given (default: every input registered so far, plus those given)",
    )
    _contract_arg(p_build)
    _db_arg(p_build)
    _target_args(p_build)
    p_build.set_defaults(func=cmd_build)

    p_add = sub.add_parser("add", help="register files or folders as inputs of the warehouse, and build")
    p_add.add_argument("paths", nargs="+", type=Path)
    p_add.add_argument("--wait", action="store_true", help="wait for a running build instead of failing")
    _contract_arg(p_add)
    _db_arg(p_add)
    _target_args(p_add)
    p_add.set_defaults(func=cmd_build, force=False)

    p_remove = sub.add_parser(
        "remove", help="unregister inputs (files or folders) of the warehouse, and build without them"
    )
    p_remove.add_argument("remove_paths", nargs="+", type=Path, metavar="paths")
    p_remove.add_argument("--wait", action="store_true", help="wait for a running build instead of failing")
    _db_arg(p_remove)
    _target_args(p_remove)
    p_remove.set_defaults(func=cmd_build, force=False, paths=[], contract=None)

    p_query = sub.add_parser(
        "query", help="run one read-only SQL statement (or a .sql file) on the warehouse"
    )
    p_query.add_argument("sql", help="the SQL text, or the path of a .sql file")
    p_query.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table (default); csv (commas, decimal points); csv-fr (semicolons, decimal commas and a "
        "byte-order mark: what a French spreadsheet opens as columns of numbers); json (amounts as numbers)",
    )
    p_query.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a value for the $NAME parameter of the SQL (repeatable); a parameter not given means no filter",
    )
    _db_arg(p_query)
    _target_args(p_query)
    p_query.set_defaults(func=cmd_query)

    p_status = sub.add_parser(
        "status", help="when the warehouse was built, from which documents, row counts, issues"
    )
    _db_arg(p_status)
    _target_args(p_status)
    p_status.set_defaults(func=cmd_status)

    p_export = sub.add_parser(
        "export",
        help="export the funding: scdl (SCDL subventions CSV) or xlsx (a funder x QPV x year workbook)",
    )
    p_export.add_argument(
        "format",
        choices=["scdl", "xlsx"],
        help="scdl: the SCDL « subventions » schema; xlsx: an Excel workbook, funder x QPV x year "
        "(flat and cross-tabulated, planned and executed)",
    )
    p_export.add_argument(
        "--contract", metavar="CODE", default=None, help="xlsx: only this contract's funding (default: all)"
    )
    p_export.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        help="CSV file written exactly there (default: standard output)",
    )
    _db_arg(p_export)
    _target_args(p_export)
    p_export.set_defaults(func=cmd_export)

    p_convert = sub.add_parser(
        "convert",
        help="print the text a PDF or Word file converts to (what the parsers read)",
        description="Print the text a PDF (with a text layer) or .docx file converts to: markdown "
        "headings, **bold** paragraphs, table rows as tab-separated cells with <b>bold</b> parts. "
        "Example: cdv convert contrat.pdf --pages > contrat.txt",
    )
    p_convert.add_argument("file", type=Path)
    p_convert.add_argument(
        "--pages", action="store_true", help="start each line with its page number and a tab"
    )
    p_convert.set_defaults(func=cmd_convert)

    args = parser.parse_args(argv)
    # A stop request (systemd's timeout, kill) unwinds like Ctrl-C: the build's copy is removed and
    # the lock released on the way out, instead of the process vanishing mid-step.
    previous = signal.signal(signal.SIGTERM, _interrupt) if _main_thread() else None
    try:
        settings()  # a CDV_* variable that cannot be used stops the command before it starts
        return int(args.func(args))
    except KeyboardInterrupt:
        kept = {
            "build": "nothing was published, the previous warehouse is kept",
            "ingest": "documents loaded before stay loaded, the one being loaded was rolled back",
        }.get(args.command, "nothing was written")
        _say(f"cdv: interrupted: {kept}")
        return 130
    except (BuildLocked, PostgresLocked) as exc:
        _say(f"cdv: not started, the warehouse is unchanged: {exc}")
        return 1
    except (InputError, QueryError, ReaderError, ManifestError, SettingsError) as exc:
        _say(f"cdv: {exc}")
        return 2
    except (BuildError, PostgresError) as exc:
        _say(f"cdv: build failed, the previous warehouse is kept: {exc}")
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


if __name__ == "__main__":
    sys.exit(main())
