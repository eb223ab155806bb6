"""The ``cdv`` command line: ingest documents, build the warehouse, look at it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ingest.build import BuildError, build, default_db
from ingest.loading import connect
from ingest.pipeline import InputError, ingest_paths


def _db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", type=Path, default=None, help="warehouse file (default: $CDV_DB or ./warehouse.duckdb)"
    )


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_ingest(args: argparse.Namespace) -> int:
    db = args.db or default_db()
    con = connect(str(db))
    try:
        report = ingest_paths(con, args.paths, force=args.force, progress=_say)
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
    db = args.db or default_db()
    result = build(db, args.paths or None, force=args.force, wait=args.wait, progress=_say)
    for message in result.ingest.messages:
        _say(message)
    print(f"warehouse built: {db}")
    for label, value in result.summary.items():
        print(f"  {label:<17} {value}")
    for step, seconds in result.steps:
        print(f"  {step + ' time':<17} {seconds:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cdv", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p_ingest = sub.add_parser("ingest", help="parse files or folders and load them into the raw tables")
    p_ingest.add_argument("paths", nargs="+", type=Path)
    p_ingest.add_argument("--force", action="store_true", help="re-parse documents even when unchanged")
    _db_arg(p_ingest)
    p_ingest.set_defaults(func=cmd_ingest)

    p_build = sub.add_parser("build", help="ingest the inputs (default: data/) and run dbt build")
    p_build.add_argument("paths", nargs="*", type=Path)
    p_build.add_argument("--force", action="store_true", help="re-parse documents even when unchanged")
    p_build.add_argument("--wait", action="store_true", help="wait for a running build instead of failing")
    _db_arg(p_build)
    p_build.set_defaults(func=cmd_build)

    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as exc:
        _say(f"cdv: {exc}")
        return 2
    except BuildError as exc:
        _say(f"cdv: build failed, the previous warehouse is kept: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
