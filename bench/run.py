"""The benchmark ``make bench`` runs: the whole pipeline on a synthetic national corpus, on 2 cores.

What it measures (BENCHMARKS.md says why, and what limits each figure):

(a) ingest throughput (``cdv ingest`` of every document and ANCT file into a new warehouse), in
    MB/s, against two floors measured in the same run on the same files: DuckDB merely reading
    them (``read_text``; ``read_json`` on the JSON lists too) and one compiled regular expression
    run once over every line in Python;
(b) the whole ``cdv build`` (ingest, Great Expectations, ``dbt build``, publication) of the corpus
    into a new warehouse;
(c) the rebuild after one document changed: ``cdv build`` again, where the ingest skips the
    unchanged documents by their sha256 and parses the changed one only;
(d) the p95 latency of five analyst queries on the built warehouse, and of every dashboard page
    (its script run by Streamlit's AppTest: the SQL of its figures and tables with the default
    filters, the formatting, the map; the browser's drawing is not counted);
(e) the peak memory of each step's process tree (sampled with psutil, 20 Hz, when it is there;
    else the largest single process from ``getrusage``);
(f) how the cost grows with the corpus: ingest of 100, 300 and 1,000 documents (and, when the time
    budget allows, whole builds of 100 and 300 documents).

It prints a table and rewrites the results part of BENCHMARKS.md (between its markers). The runner
pins itself and its children to two cores (``sched_setaffinity``) so that the figures mean the same
on a bigger machine. Other processes on the machine are not controlled: the load average before and
after each step is recorded next to its time, and CPU seconds are given along wall-clock seconds.

    python -m bench.run [--documents N] [--seed S] [--work DIR] [--no-write]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench import generate  # noqa: E402

try:  # psutil comes with the dashboard's dependencies; without it, peak memory is per process only
    import psutil
except ImportError:  # pragma: no cover
    psutil = None

BENCHMARKS_MD = REPO_ROOT / "BENCHMARKS.md"
START_MARK = "<!-- bench:results:start -->"
END_MARK = "<!-- bench:results:end -->"
DEFAULT_WORK = Path("/tmp/cdv-bench")
CORES = 2
QUERY_RUNS = 20
PAGE_RUNS = 10
# make bench must end within 10 minutes: the optional builds at 100 and 300 documents only run when
# enough of this budget is left (see run()).
BUDGET_S = 570
OPTIONAL_BUILD_MIN_S = 90

TARGETS = {
    "build_s": 30.0,
    "ingest_mb_s": 15.0,
    "programme_mb_s": 15.0,
    "regex_ratio": 2.0,
    "rebuild_s": 5.0,
    "query_p95_ms": 100.0,
    "page_p95_s": 1.0,
    "linear_ratio": 1.3,
}

QUERIES: dict[str, str] = {
    "funding by funder": """
        select coalesce(funder_parent_code, funder_code) as payer, sum(amount_eur) as eur
        from analytics.funding_lines
        group by all order by eur desc""",
    "funding by QPV and year": """
        select f.qpv_code, q.qpv_name, f.funding_year, sum(f.amount_eur) as eur
        from marts.fct_funding f
        left join reference.ref_qpv q using (qpv_code)
        group by all order by f.qpv_code, f.funding_year""",
    "coverage": """
        select contract_code, count(*) as fiches, sum(funding_eur) as funding_eur, sum(cost_eur) as cost_eur,
            median(coverage_ratio) as median_coverage
        from analytics.action_coverage
        group by all order by funding_eur desc""",
    "executed vs planned": """
        select contract_code, contract_name, funding_year, sum(planned_eur) as planned_eur,
            sum(executed_eur) as executed_eur
        from analytics.executed_vs_planned
        group by all order by executed_eur desc""",
    "top beneficiaries": """
        select beneficiary_name, count(*) as posts, sum(amount_eur) as eur
        from analytics.funding_lines
        where source_kind = 'dataset'
        group by all order by eur desc limit 20""",
}
# The regular expression of the floor: money-like numbers (one pattern, one pass over each line).
FLOOR_PATTERN = r"\d[\d \u00a0]*(?:[.,]\d+)?\s*(?:€|euros?\b|EUR\b)"


# --- running and watching a step ---------------------------------------------------------------


@dataclass
class Step:
    name: str
    command: list[str]
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_mb: float | None = None
    max_process_rss_mb: float | None = None
    returncode: int = 0
    load_before: float = 0.0
    load_after: float = 0.0
    stdout: str = ""
    stderr: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class _TreeMemory:
    """Peak resident memory of a process and its descendants (sum), sampled on a thread."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            total = 0
            try:
                processes = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for process in processes:
                with contextlib.suppress(psutil.Error):
                    total += process.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> _TreeMemory:
        if psutil is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def run_step(name: str, command: list[str], env: dict[str, str] | None = None, say=print) -> Step:
    step = Step(name, command)
    step.load_before = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=dict(os.environ, **(env or {})),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with _TreeMemory(proc.pid) as memory:
        stdout, stderr = proc.communicate()
    step.wall_s = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    step.cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    step.max_process_rss_mb = after.ru_maxrss / 1024  # the largest child so far (kB on Linux)
    step.peak_rss_mb = memory.peak / 2**20 if psutil is not None else None
    step.returncode = proc.returncode
    step.stdout, step.stderr = stdout, stderr
    step.load_after = os.getloadavg()[0]
    state = "ok" if step.ok else f"FAILED ({proc.returncode})"
    say(f"  {name}: {step.wall_s:.1f} s wall, {step.cpu_s:.1f} s CPU, {state}")
    if not step.ok:
        say("    " + "\n    ".join((stderr or stdout).strip().splitlines()[-12:]))
    return step


def _cdv() -> list[str]:
    candidate = Path(sys.executable).parent / "cdv"
    return [str(candidate)] if candidate.exists() else [sys.executable, "-m", "ingest.cli"]


def _fresh(db: Path) -> None:
    for suffix in ("", ".wal", ".building", ".building.wal", ".lock"):
        Path(str(db) + suffix).unlink(missing_ok=True)


_STEP_TIME = re.compile(
    r"^\s+(?P<step>ingest|expectations|dbt build|copy to server|publish) time\s+(?P<s>[\d.]+) s", re.MULTILINE
)


def _steps_text(steps: dict[str, float]) -> str:
    """ "ingest 15.4 s, expectations 3.8 s (alongside dbt), dbt build 19.2 s": GX validates the raw
    tables in the build's process while dbt runs in its own, so the steps do not add up."""
    return ", ".join(
        f"{k} {v:.1f} s" + (" (alongside dbt)" if k == "expectations" else "") for k, v in steps.items()
    )


def _build_steps(step: Step) -> dict[str, float]:
    return {m["step"]: float(m["s"]) for m in _STEP_TIME.finditer(step.stdout)}


def _ingest_outcome(text: str) -> dict[str, int]:
    return {
        "unchanged": len(re.findall(r": unchanged, kept$", text, re.MULTILINE)),
        "loaded": len(re.findall(r"^\[\d+/\d+\] .*: \w+, \d+ issues", text, re.MULTILINE)),
    }


# --- floors --------------------------------------------------------------------------------------


def floor_duckdb(files: list[Path], json_files: list[Path]) -> dict[str, float]:
    import duckdb

    out = {}
    with duckdb.connect() as con:
        started = time.perf_counter()
        con.execute("select sum(length(content)) from read_text(?)", [[str(f) for f in files]]).fetchone()
        out["read_text_s"] = time.perf_counter() - started
        if json_files:
            started = time.perf_counter()
            con.execute(
                "select count(*) from read_json(?, format = 'array', union_by_name = true)",
                [[str(f) for f in json_files]],
            ).fetchone()
            out["read_json_s"] = time.perf_counter() - started
    return out


def floor_regex(files: list[Path]) -> float:
    pattern = re.compile(FLOOR_PATTERN)
    started = time.perf_counter()
    found = 0
    for path in files:
        for line in path.read_bytes().decode("utf-8").splitlines():
            found += len(pattern.findall(line))
    return time.perf_counter() - started


def _parse_programme(path: Path) -> int:
    from ingest import programme
    from ingest.reading import read_file

    programme.parse(read_file(path).lines)
    return path.stat().st_size


def time_programme_parser(files: list[Path], workers: int) -> dict[str, float]:
    """The programme parser alone (reading, contract recognition and parsing; no kind detection, no
    loading) over the corpus's programme documents, on ``workers`` processes."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_parse_programme, files[:2]))  # workers started and warm: not counted
        started = time.perf_counter()
        size = sum(pool.map(_parse_programme, files, chunksize=4))
        wall = time.perf_counter() - started
    return {"documents": len(files), "mb": size / 1e6, "wall_s": wall, "mb_s": size / 1e6 / wall}


# --- queries -------------------------------------------------------------------------------------


def time_queries(db: Path, runs: int = QUERY_RUNS) -> dict[str, dict[str, Any]]:
    import duckdb

    results: dict[str, dict[str, Any]] = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for name, sql in QUERIES.items():
            try:
                rows = len(con.execute(sql).fetchall())  # warm-up, not counted
            except duckdb.Error as exc:
                results[name] = {"error": str(exc).splitlines()[0][:160]}
                continue
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                con.execute(sql).fetchall()
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            results[name] = {
                "rows": rows,
                "p50_ms": statistics.median(times),
                "p95_ms": times[max(0, -(-95 * len(times) // 100) - 1)],  # nearest rank
                "max_ms": times[-1],
                "runs": runs,
            }
    return results


def time_pages(db: Path, runs: int = PAGE_RUNS) -> dict[str, dict[str, Any]]:
    """Each dashboard page run ``runs`` times after one warm-up (Streamlit's AppTest, the page's
    script against ``db`` with the default filters): what a page load costs the server."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboard import queries as q

    app = REPO_ROOT / "dashboard" / "app.py"
    results: dict[str, dict[str, Any]] = {}
    # The app reads its warehouse from CDV_DB (ingest.settings), set for these runs only.
    with mock.patch.dict(os.environ, {"CDV_DB": str(db)}):
        for page in q.PAGES:
            at = AppTest.from_file(str(app), default_timeout=120)
            at.query_params["page"] = page.key
            at.run()  # warm-up, not counted
            if at.exception or at.error:
                problem = at.exception[0].value if at.exception else at.error[0].value
                results[page.key] = {"error": str(problem).splitlines()[0][:160]}
                continue
            figures: dict[str, Any] = {"runs": runs}
            # First views (the figures computed: what the first visitor after a build waits) and
            # views seen before (kept per warehouse version by the app's cache).
            for kind in ("cold", "warm"):
                times = []
                for _ in range(runs):
                    if kind == "cold":
                        st.cache_data.clear()
                    started = time.perf_counter()
                    at.run()
                    times.append(time.perf_counter() - started)
                times.sort()
                figures[f"{kind}_p50_s"] = statistics.median(times)
                figures[f"{kind}_p95_s"] = times[max(0, -(-95 * len(times) // 100) - 1)]
                figures[f"{kind}_max_s"] = times[-1]
            figures["p95_s"] = figures["cold_p95_s"]
            results[page.key] = figures
    return results


# --- the run ---------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "-"

    cpu = ""
    with contextlib.suppress(OSError):
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    ram = (
        psutil.virtual_memory().total
        if psutil is not None
        else os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    )
    commit = ""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    return {
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "nproc": os.cpu_count(),
        "cores_used": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "ram_gib": round(ram / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": version("duckdb"),
        "dbt-core": version("dbt-core"),
        "dbt-duckdb": version("dbt-duckdb"),
        "pyarrow": version("pyarrow"),
        "commit": commit,
    }


def pin_cores(count: int = CORES) -> None:
    with contextlib.suppress(AttributeError, OSError):
        allowed = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, allowed[:count])


def _change_one_document(corpus: Path, manifest: dict[str, Any]) -> tuple[Path, bytes]:
    """Change one amount of one programme document (the first of the corpus); returns its old bytes."""
    entry = next(e for e in manifest["documents"] if e["kind"] == "programme_actions" and e["funding_lines"])
    path = corpus / "documents" / entry["file"]
    original = path.read_bytes()
    text = original.decode("utf-8")
    changed = re.sub(r"(\d) ?000 ?€", r"\g<1> 500 €", text, count=1)
    if changed == text:
        changed = text + "\nCoût total de l'action 1 000 €\n"
    path.write_bytes(changed.encode("utf-8"))
    return path, original


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    pin_cores()
    say = print
    work: Path = args.work
    corpus = work / "corpus"
    dbs = work / "run"
    dbs.mkdir(parents=True, exist_ok=True)
    info = machine()
    say(
        f"cdv benchmark: {info['cores_used']} of {info['nproc']} cores, {info['ram_gib']} GiB, "
        f"Python {info['python']}, DuckDB {info['duckdb']}, load average {os.getloadavg()[0]:.1f}"
    )

    manifest_path = corpus / generate.MANIFEST
    manifest = None
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("seed") != args.seed or len(manifest["documents"]) != args.documents:
            manifest = None
    gen_started = time.perf_counter()
    generated = manifest is None or args.regenerate
    if generated:
        manifest = generate.generate(corpus, args.documents, args.seed, progress=say)
    else:
        say(f"corpus: reusing {corpus} (same seed and size; --regenerate writes it again)")
    generation_s = time.perf_counter() - gen_started if generated else None
    documents = [corpus / "documents" / e["file"] for e in manifest["documents"]]
    anct = sorted((corpus / "anct").glob("*.json"))
    files = documents + anct
    size = {
        "documents_mb": sum(f.stat().st_size for f in documents) / 1e6,
        "anct_mb": sum(f.stat().st_size for f in anct) / 1e6,
    }
    size["total_mb"] = size["documents_mb"] + size["anct_mb"]
    results: dict[str, Any] = {
        "machine": info,
        "corpus": {
            **size,
            "documents": len(documents),
            "anct_files": len(anct),
            "seed": manifest["seed"],
            "generation_s": generation_s,
            "fiches": sum(e["fiches"] for e in manifest["documents"]),
            "funding_lines": sum(e["funding_lines"] for e in manifest["documents"]),
            "anct_records": sum(f["records"] or 0 for f in manifest["anct"]),
            "unknown_contract_documents": sum(1 for e in manifest["documents"] if e["contract_code"] is None),
        },
        "command": "make bench  (= .venv/bin/python -m bench.run"
        + (f" --documents {args.documents}" if args.documents != 1000 else "")
        + ")",
    }
    # dbt's artefacts go to the work folder: the repository's target/ (partial parse, the manifest a
    # state:modified selection compares with) is left to the builds of the people working in it.
    env = {
        "CDV_INGEST_WORKERS": "",
        "CDV_INGEST_BATCH": "",
        "PYTHONUNBUFFERED": "1",
        "DBT_TARGET_PATH": str(work / "dbt-target"),
        "DBT_LOG_PATH": str(work / "dbt-logs"),
    }

    say("floors (same files, same run):")
    floors = floor_duckdb(files, [f for f in anct if not f.name.startswith("geom")])
    floors["regex_s"] = floor_regex(files)
    floors["read_text_mb_s"] = size["total_mb"] / floors["read_text_s"]
    floors["regex_mb_s"] = size["total_mb"] / floors["regex_s"]
    if "read_json_s" in floors:
        posts_mb = sum(f.stat().st_size for f in anct if not f.name.startswith("geom")) / 1e6
        floors["read_json_mb_s"] = posts_mb / floors["read_json_s"]
    say(
        f"  DuckDB read_text {floors['read_text_mb_s']:.0f} MB/s, one regex pass {floors['regex_mb_s']:.0f} MB/s"
    )
    results["floors"] = floors

    programmes = [f for f in documents if "programme" in f.name]
    say(f"programme parser alone ({len(programmes)} programme documents, {CORES} processes):")
    results["programme_parser"] = time_programme_parser(programmes, CORES)
    say(f"  {results['programme_parser']['mb_s']:.2f} MB/s")

    say("(a) ingest of the whole corpus:")
    db = dbs / "ingest.duckdb"
    _fresh(db)
    ingest = run_step(
        "ingest",
        [*_cdv(), "ingest", str(corpus / "documents"), str(corpus / "anct"), "--db", str(db)],
        env,
        say,
    )
    ingest.extra["mb_s"] = size["total_mb"] / ingest.wall_s
    ingest.extra.update(_ingest_outcome(ingest.stderr))
    results["ingest"] = asdict(ingest) | {
        "stdout": "",
        "stderr": ingest.stderr[-2000:] if not ingest.ok else "",
    }
    # The same in one process, one transaction per document: what the optimisations gain here.
    if args.compare_serial:
        _fresh(db)
        serial = run_step(
            "ingest, serial and unbatched",
            [*_cdv(), "ingest", str(corpus / "documents"), str(corpus / "anct"), "--db", str(db)],
            dict(env, CDV_INGEST_WORKERS="0", CDV_INGEST_BATCH="1"),
            say,
        )
        results["ingest_serial"] = asdict(serial) | {"stdout": "", "stderr": ""}

    say("(f) ingest of 100, 300 and 1,000 documents:")
    scaling = []
    for count in sorted({min(n, len(documents)) for n in (100, 300, len(documents))}):
        _fresh(db)
        subset = documents[:count]
        # Two workers at every size (by default none start below 16 MB): one code path to compare.
        fixed = dict(env, CDV_INGEST_WORKERS=str(CORES))
        step = run_step(
            f"ingest {count} documents", [*_cdv(), "ingest", *map(str, subset), "--db", str(db)], fixed, say
        )
        mb = sum(f.stat().st_size for f in subset) / 1e6
        scaling.append(
            {
                "documents": count,
                "mb": mb,
                "wall_s": step.wall_s,
                "cpu_s": step.cpu_s,
                "mb_s": mb / step.wall_s,
                "ok": step.ok,
                "load": step.load_before,
            }
        )
    results["scaling_ingest"] = scaling

    say("(b) cdv build of the whole corpus:")
    # A build on a schedule finds dbt's partial parse of the previous one: so does this one.
    dbt = [str(Path(sys.executable).parent / "dbt"), "parse", "--project-dir", str(REPO_ROOT / "dbt_project")]
    dbt += ["--profiles-dir", str(REPO_ROOT / "dbt_project")]
    run_step("dbt parse (warm-up, not counted)", dbt, dict(env, CDV_DB=str(dbs / "parse.duckdb")), say)
    warehouse = dbs / "warehouse.duckdb"
    _fresh(warehouse)
    build_cmd = [*_cdv(), "build", str(corpus / "documents"), str(corpus / "anct"), "--db", str(warehouse)]
    build = run_step("build", build_cmd, env, say)
    build.extra["steps"] = _build_steps(build)
    build.extra["failure"] = "" if build.ok else (build.stderr.strip().splitlines() or [""])[-1][:300]
    results["build"] = asdict(build) | {
        "stdout": build.stdout[-1500:],
        "stderr": build.stderr[-3000:] if not build.ok else "",
    }

    query_db = warehouse
    if not build.ok:
        # Queries still need a warehouse: the ingest's raw tables and dbt build (whatever passes).
        query_db = dbs / "fallback.duckdb"
        _fresh(query_db)
        say("  the build failed: building a warehouse for the queries with cdv ingest + dbt build")
        corpus_paths = [str(corpus / "documents"), str(corpus / "anct")]
        run_step("fallback ingest", [*_cdv(), "ingest", *corpus_paths, "--db", str(query_db)], env, say)
        dbt = [
            str(Path(sys.executable).parent / "dbt"),
            "build",
            "--project-dir",
            str(REPO_ROOT / "dbt_project"),
        ]
        dbt += ["--profiles-dir", str(REPO_ROOT / "dbt_project")]
        run_step("fallback dbt build", dbt, dict(env, CDV_DB=str(query_db)), say)

    say("(d) analyst queries:")
    queries = time_queries(query_db)
    for name, figures in queries.items():
        if "error" in figures:
            say(f"  {name}: n/a ({figures['error']})")
        else:
            say(f"  {name}: p95 {figures['p95_ms']:.1f} ms ({figures['rows']} rows)")
    results["queries"] = queries
    say("(d) dashboard pages:")
    try:
        pages = time_pages(query_db)
    except Exception as exc:  # noqa: BLE001 - the bench reports, it does not stop
        pages = {"all": {"error": f"{type(exc).__name__}: {exc}"[:160]}}
    for key, figures in pages.items():
        say(
            f"  {key}: "
            + (f"n/a ({figures['error']})" if "error" in figures else f"p95 {figures['p95_s']:.2f} s")
        )
    results["pages"] = pages
    results["queries_on"] = (
        "the published warehouse"
        if build.ok
        else "a warehouse built by cdv ingest + dbt build (the cdv build failed)"
    )

    say("(c) rebuild after one document changed:")
    changed, original = _change_one_document(corpus, manifest)
    try:
        if build.ok:
            rebuild = run_step("rebuild", build_cmd, env, say)
            rebuild.extra["steps"] = _build_steps(rebuild)
        else:
            copy = dbs / "rebuild.duckdb"
            _fresh(copy)
            shutil.copyfile(query_db, copy)
            rebuild = run_step(
                "rebuild (ingest only: the build failed)",
                [*_cdv(), "ingest", str(corpus / "documents"), str(corpus / "anct"), "--db", str(copy)],
                env,
                say,
            )
        rebuild.extra.update(_ingest_outcome(rebuild.stderr))
        rebuild.extra["changed"] = changed.name
    finally:
        changed.write_bytes(original)
    results["rebuild"] = asdict(rebuild) | {
        "stdout": rebuild.stdout[-1500:],
        "stderr": rebuild.stderr[-3000:] if not rebuild.ok else "",
    }

    # Each optional build runs only if the time left covers the whole build (b) took, with a margin:
    # a smaller corpus is not slower, and the machine's load is in that figure too.
    need = max(OPTIONAL_BUILD_MIN_S, 1.2 * build.wall_s)
    builds = []
    skipped = []
    for count in (100, 300) if args.scaled_builds else ():
        remaining = BUDGET_S - (time.perf_counter() - started)
        if count >= len(documents):
            continue
        if remaining < need:
            skipped.append(count)
            continue
        if not builds:
            say("(f) cdv build of 100 and 300 documents (with the whole ANCT data):")
        small = dbs / f"warehouse-{count}.duckdb"
        _fresh(small)
        step = run_step(
            f"build {count} documents",
            [*_cdv(), "build", *map(str, documents[:count]), str(corpus / "anct"), "--db", str(small)],
            env,
            say,
        )
        builds.append(
            {
                "documents": count,
                "wall_s": step.wall_s,
                "cpu_s": step.cpu_s,
                "ok": step.ok,
                "steps": _build_steps(step),
            }
        )
        _fresh(small)
    if skipped:
        say(
            f"(f) builds of {', '.join(map(str, skipped))} documents skipped: less than {need:.0f} s left "
            f"of the {BUDGET_S} s budget"
        )
    results["scaling_build_skipped"] = skipped
    if build.ok or build.extra["steps"]:
        builds.append(
            {
                "documents": len(documents),
                "wall_s": build.wall_s,
                "cpu_s": build.cpu_s,
                "ok": build.ok,
                "steps": build.extra["steps"],
            }
        )
    results["scaling_build"] = builds
    results["postgres"] = (
        time_postgres(corpus, dbs, env, build, say) if args.postgres else {"skipped": "--no-postgres"}
    )
    results["total_s"] = time.perf_counter() - started
    results["load_end"] = os.getloadavg()[0]
    results["verdicts"] = verdicts(results)
    return results


# --- verdicts and the report ------------------------------------------------------------------------


def time_postgres(
    corpus: Path, dbs: Path, env: dict[str, str], national_duckdb: Step, say: Any = print
) -> dict[str, Any]:
    """(g) The same builds on both targets, measured in this run: the bundled data (data/) and the
    national corpus, each from scratch (a new file; on the server, a new ingest file) into DuckDB and
    onto a throw-away PostgreSQL server. The national corpus's DuckDB build is (b)'s. Skipped, with
    the reason, without PostgreSQL binaries."""
    from ingest import pgserver

    why = pgserver.unavailable()
    if why:
        say(f"(g) PostgreSQL builds skipped: {why}")
        return {"skipped": why}
    say("(g) the same builds on DuckDB and on PostgreSQL (throw-away server, Unix socket):")
    figures: dict[str, Any] = {}
    bundled = [str(REPO_ROOT / "data" / "documents"), str(REPO_ROOT / "data" / "anct")]
    national = [str(corpus / "documents"), str(corpus / "anct")]
    with pgserver.throwaway_server(port=54391) as dsn:
        for corpus_name, paths in (("bundled", bundled), ("national", national)):
            duck = dbs / f"{corpus_name}-duckdb.duckdb"
            store = dbs / f"{corpus_name}-postgres-ingest.duckdb"
            for path in (duck, store):
                _fresh(path)
            if corpus_name == "national":
                duck_step = national_duckdb
            else:
                duck_step = run_step(
                    f"build {corpus_name} → DuckDB",
                    [*_cdv(), "build", "--mirror", *paths, "--db", str(duck)],
                    env,
                    say,
                )
            pg_step = run_step(
                f"build {corpus_name} → PostgreSQL",
                [*_cdv(), "build", "--mirror", *paths, "--db", str(store), "--dsn", dsn],
                env,
                say,
            )
            figures[corpus_name] = {
                "duckdb": {"wall_s": duck_step.wall_s, "ok": duck_step.ok, "steps": _build_steps(duck_step)},
                "postgres": {"wall_s": pg_step.wall_s, "ok": pg_step.ok, "steps": _build_steps(pg_step)},
            }
            if not pg_step.ok:
                figures[corpus_name]["postgres"]["failure"] = (pg_step.stderr.strip().splitlines() or [""])[
                    -1
                ][:300]
            for path in (duck, store):
                _fresh(path)
    return figures


def _marginal(points: list[dict[str, Any]], key: str = "wall_s") -> list[float]:
    """Seconds per MB between successive sizes (the fixed start-up cost cancels out)."""
    rates = []
    for a, b in zip(points, points[1:], strict=False):
        if b["mb"] > a["mb"]:
            rates.append((b[key] - a[key]) / (b["mb"] - a["mb"]))
    return rates


def verdicts(r: dict[str, Any]) -> list[dict[str, str]]:
    out = []

    def add(target: str, measured: str, ok: bool | None) -> None:
        out.append(
            {
                "target": target,
                "measured": measured,
                "verdict": "n/a" if ok is None else ("PASS" if ok else "FAIL"),
            }
        )

    build = r["build"]
    add(
        "whole national corpus built end to end ≤ 30 s",
        f"{build['wall_s']:.1f} s" + ("" if build["returncode"] == 0 else " (build FAILED)"),
        build["returncode"] == 0 and build["wall_s"] <= TARGETS["build_s"],
    )
    mb_s = r["ingest"]["extra"]["mb_s"]
    add("ingest ≥ 15 MB/s", f"{mb_s:.2f} MB/s", mb_s >= TARGETS["ingest_mb_s"])
    if "programme_parser" in r:
        parser = r["programme_parser"]
        add(
            "programme parser ≥ 15 MB/s on two cores",
            f"{parser['mb_s']:.2f} MB/s ({parser['mb']:.1f} MB, {parser['documents']} documents)",
            parser["mb_s"] >= TARGETS["programme_mb_s"],
        )
    ratio = r["floors"]["regex_mb_s"] / mb_s
    add(
        "ingest within 2× of the single-regex pass",
        f"regex pass {r['floors']['regex_mb_s']:.0f} MB/s = {ratio:.0f}× the ingest",
        ratio <= TARGETS["regex_ratio"],
    )
    rebuild = r["rebuild"]
    is_build = rebuild["name"] == "rebuild"
    add(
        "one changed document rebuilt ≤ 5 s",
        f"{rebuild['wall_s']:.1f} s" + ("" if is_build else " (ingest only: the build failed)"),
        (rebuild["returncode"] == 0 and rebuild["wall_s"] <= TARGETS["rebuild_s"]) if is_build else None,
    )
    p95 = [q["p95_ms"] for q in r["queries"].values() if "p95_ms" in q]
    missing = [name for name, q in r["queries"].items() if "p95_ms" not in q]
    add(
        "query p95 ≤ 100 ms (each of the five)",
        (f"worst p95 {max(p95):.0f} ms" if p95 else "no query ran")
        + (f"; n/a: {', '.join(missing)}" if missing else ""),
        bool(p95) and max(p95) <= TARGETS["query_p95_ms"],
    )
    pages = r.get("pages", {})
    page_p95 = [p["p95_s"] for p in pages.values() if "p95_s" in p]
    broken = [key for key, p in pages.items() if "p95_s" not in p]
    add(
        "dashboard page p95 < 1 s (each page, server side, first view after a build)",
        (f"worst p95 {max(page_p95):.2f} s" if page_p95 else "no page ran")
        + (f"; n/a: {', '.join(broken)}" if broken else ""),
        (bool(page_p95) and not broken and max(page_p95) < TARGETS["page_p95_s"]) if pages else None,
    )
    cpu = _marginal(r["scaling_ingest"], "cpu_s")
    wall = _marginal(r["scaling_ingest"], "wall_s")
    if len(cpu) >= 2 and min(cpu) > 0 and min(wall) > 0:
        spread = max(cpu) / min(cpu)
        add(
            "cost linear in corpus size (ingest CPU s per MB between 100, 300, 1,000 documents within 1.3×)",
            "CPU "
            + " → ".join(f"{x:.2f}" for x in cpu)
            + f" s/MB (spread {spread:.2f}×); wall "
            + " → ".join(f"{x:.2f}" for x in wall)
            + f" s/MB (spread {max(wall) / min(wall):.2f}×)",
            spread <= TARGETS["linear_ratio"],
        )
    else:
        add("cost linear in corpus size", "not enough sizes", None)
    return out


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} MB"


def markdown(r: dict[str, Any]) -> str:
    m, c, f = r["machine"], r["corpus"], r["floors"]
    lines = [
        f"Measured {m['date']} by `{r['command']}` in {r['total_s'] / 60:.1f} min, commit {m['commit'] or '?'}.",
        "",
        f"Machine: {m['nproc']} cores ({m['cores_used']} used: the runner pins itself to two), {m['cpu'] or 'CPU ?'}, "
        f"{m['ram_gib']} GiB RAM, {m['os']}; Python {m['python']}, DuckDB {m['duckdb']}, dbt-core {m['dbt-core']}, "
        f"dbt-duckdb {m['dbt-duckdb']}, pyarrow {m['pyarrow']}. Load average (1 min) when the run began "
        f"{r['ingest']['load_before']:.1f}, when it ended {r['load_end']:.1f}: other work on the machine shares its two cores.",
        "",
        f"Corpus (`bench/generate.py`, seed {c['seed']}, "
        + (
            f"generated in {c['generation_s']:.1f} s"
            if c["generation_s"] is not None
            else "generated by an earlier run, reused"
        )
        + f"): {c['documents']} documents, "
        f"{c['documents_mb']:.1f} MB ({c['fiches']:,} fiches, {c['funding_lines']:,} funding lines expected; "
        f"{c['unknown_contract_documents']} documents of contracts the alias seed does not know), and {c['anct_files']} ANCT files, "
        f"{c['anct_mb']:.1f} MB ({c['anct_records']:,} post records): {c['total_mb']:.1f} MB in all.",
        "",
        "### Against the targets",
        "",
        "| target | measured | verdict |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {v['target']} | {v['measured']} | **{v['verdict']}** |" for v in r["verdicts"]]
    ing = r["ingest"]
    lines += [
        "",
        "### Figures",
        "",
        "| what | wall | CPU | throughput | peak memory (process tree) | notes |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        f"| floor: DuckDB `read_text` of every file | {f['read_text_s']:.2f} s | | {f['read_text_mb_s']:,.0f} MB/s | | same {c['total_mb']:.0f} MB |",
    ]
    if "read_json_s" in f:
        lines.append(
            f"| floor: DuckDB `read_json` of the ANCT lists | {f['read_json_s']:.2f} s | | {f['read_json_mb_s']:,.0f} MB/s | | JSON parsed into columns |"
        )
    lines += [
        f"| floor: one compiled regex over every line (Python) | {f['regex_s']:.2f} s | | {f['regex_mb_s']:,.0f} MB/s | | |",
    ]
    if "programme_parser" in r:
        p = r["programme_parser"]
        lines.append(
            f"| programme parser alone ({p['documents']} programme documents, {CORES} processes) | {p['wall_s']:.2f} s | "
            f"| {p['mb_s']:.2f} MB/s | | reading, contract recognition, parsing; no loading |"
        )
    lines += [
        f"| (a) `cdv ingest` of the corpus | {ing['wall_s']:.1f} s | {ing['cpu_s']:.1f} s | {ing['extra']['mb_s']:.2f} MB/s "
        f"| {_mb(ing['peak_rss_mb'])} | DuckDB floor / ingest = {f['read_text_mb_s'] / ing['extra']['mb_s']:,.0f}×, "
        f"regex floor / ingest = {f['regex_mb_s'] / ing['extra']['mb_s']:,.0f}× |",
    ]
    if "ingest_serial" in r:
        s = r["ingest_serial"]
        lines.append(
            f"| (a') the same, one process, one transaction per document | {s['wall_s']:.1f} s | {s['cpu_s']:.1f} s "
            f"| {c['total_mb'] / s['wall_s']:.2f} MB/s | {_mb(s['peak_rss_mb'])} | `CDV_INGEST_WORKERS=0 CDV_INGEST_BATCH=1` |"
        )
    b = r["build"]
    steps = _steps_text(b["extra"]["steps"])
    lines.append(
        f"| (b) `cdv build` of the corpus | {b['wall_s']:.1f} s | {b['cpu_s']:.1f} s | {c['total_mb'] / b['wall_s']:.2f} MB/s "
        f"| {_mb(b['peak_rss_mb'])} | {steps or '-'}"
        + ("" if b["returncode"] == 0 else f"; **failed**: {b['extra']['failure']}")
        + " |"
    )
    rb = r["rebuild"]
    steps = _steps_text(rb["extra"].get("steps", {}))
    lines.append(
        f"| (c) {rb['name']} after one document changed (dbt: the models the changed raw tables reach, and their tests) | {rb['wall_s']:.1f} s | {rb['cpu_s']:.1f} s | | {_mb(rb['peak_rss_mb'])} "
        f"| {rb['extra'].get('loaded', 0)} document parsed and loaded, {rb['extra'].get('unchanged', 0)} kept unchanged; {steps or '-'} |"
    )
    lines += [
        "",
        f"(d) Analyst queries on {r['queries_on']}, {QUERY_RUNS} runs each after one warm-up:",
        "",
        "| query | rows | p50 | p95 | max |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, q in r["queries"].items():
        if "p95_ms" in q:
            lines.append(
                f"| {name} | {q['rows']:,} | {q['p50_ms']:.1f} ms | {q['p95_ms']:.1f} ms | {q['max_ms']:.1f} ms |"
            )
        else:
            lines.append(f"| {name} | n/a | | | {q['error']} |")
    if r.get("pages"):
        lines += [
            "",
            f"(d) Dashboard pages on the same warehouse, {PAGE_RUNS} runs each after one warm-up (the page's "
            "script run by Streamlit's AppTest with the default filters: its SQL, formatting and charts "
            "built; the browser's drawing not counted):",
            "",
            "| page | first view p50 | first view p95 | first view max | seen before p50 | seen before p95 |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for key, p in r["pages"].items():
            if "p95_s" in p:
                lines.append(
                    f"| {key} | {p['cold_p50_s']:.2f} s | {p['cold_p95_s']:.2f} s | {p['cold_max_s']:.2f} s "
                    f"| {p['warm_p50_s']:.2f} s | {p['warm_p95_s']:.2f} s |"
                )
            else:
                lines.append(f"| {key} | n/a | | {p['error']} | | |")
    lines += [
        "",
        "(f) Cost against corpus size: ingest of the first N documents, without the ANCT files, two workers at "
        "every size. The verdict reads CPU seconds: wall time on a shared machine also measures the other "
        "sessions.",
        "",
        "| documents | MB | wall | CPU | MB/s (wall) | wall s per MB from the previous size "
        "| CPU s per MB from the previous size |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    walls = [None, *_marginal(r["scaling_ingest"], "wall_s")]
    cpus = [None, *_marginal(r["scaling_ingest"], "cpu_s")]
    for point, wall, cpu in zip(r["scaling_ingest"], walls, cpus, strict=False):
        lines.append(
            f"| {point['documents']:,} | {point['mb']:.1f} | {point['wall_s']:.1f} s | {point['cpu_s']:.1f} s "
            f"| {point['mb_s']:.2f} | {'-' if wall is None else f'{wall:.2f}'} "
            f"| {'-' if cpu is None else f'{cpu:.2f}'} |"
        )
    if r["scaling_build"]:
        lines += [
            "",
            "Whole `cdv build` (documents + the whole ANCT data) by number of documents:",
            "",
            "| documents | wall | CPU | steps |",
            "| ---: | ---: | ---: | --- |",
        ]
        for point in r["scaling_build"]:
            steps = _steps_text(point["steps"])
            lines.append(
                f"| {point['documents']:,} | {point['wall_s']:.1f} s{'' if point['ok'] else ' (failed)'} | {point['cpu_s']:.1f} s | {steps} |"
            )
    pg = r.get("postgres", {})
    if "skipped" in pg:
        lines += ["", f"Builds on PostgreSQL skipped: {pg['skipped']}."]
    elif pg:
        lines += [
            "",
            "The same `cdv build` on both targets, this run (from scratch; PostgreSQL: a throw-away server on a "
            "Unix socket, the raw tables copied by COPY, dbt-postgres, the schema swap):",
            "",
            "| corpus | DuckDB | PostgreSQL | PostgreSQL steps |",
            "| --- | ---: | ---: | --- |",
        ]
        for name, both in pg.items():
            duck, server = both["duckdb"], both["postgres"]
            lines.append(
                f"| {name} | {duck['wall_s']:.1f} s{'' if duck['ok'] else ' (failed)'} "
                f"| {server['wall_s']:.1f} s{'' if server['ok'] else ' (failed: ' + server.get('failure', '') + ')'} "
                f"| {_steps_text(server['steps'])} |"
            )
    if r.get("scaling_build_skipped"):
        skipped = ", ".join(f"{n:,}" for n in r["scaling_build_skipped"])
        lines += [
            "",
            f"Builds of {skipped} documents skipped this time: not enough of the 10-minute budget left.",
        ]
    return "\n".join(lines) + "\n"


def table(r: dict[str, Any]) -> str:
    rows = [(v["target"], v["measured"], v["verdict"]) for v in r["verdicts"]]
    width = [max(len(x[i]) for x in rows) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(width[i]) for i, cell in enumerate(row)) for row in rows)


def write_markdown(text: str) -> None:
    current = BENCHMARKS_MD.read_text(encoding="utf-8") if BENCHMARKS_MD.exists() else ""
    if START_MARK in current and END_MARK in current:
        head, rest = current.split(START_MARK, 1)
        _, tail = rest.split(END_MARK, 1)
    else:
        head, tail = "# Benchmarks\n\n## Results\n\n", "\n"
    BENCHMARKS_MD.write_text(f"{head}{START_MARK}\n{text}{END_MARK}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", "-n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20151)
    parser.add_argument(
        "--work", type=Path, default=DEFAULT_WORK, help=f"corpus and warehouses (default {DEFAULT_WORK})"
    )
    parser.add_argument("--regenerate", action="store_true", help="generate the corpus even when it is there")
    parser.add_argument(
        "--compare-serial", action="store_true", help="also time the serial, unbatched ingest"
    )
    parser.add_argument(
        "--no-scaled-builds",
        dest="scaled_builds",
        action="store_false",
        help="skip the whole builds of 100 and 300 documents",
    )
    parser.add_argument(
        "--no-postgres",
        dest="postgres",
        action="store_false",
        help="skip the builds on a throw-away PostgreSQL server (g)",
    )
    parser.add_argument("--no-write", action="store_true", help="do not rewrite BENCHMARKS.md")
    args = parser.parse_args(argv)
    work = args.work.resolve()
    if work == REPO_ROOT or work.is_relative_to(REPO_ROOT):
        parser.error("--work must be outside the repository")
    args.work = work
    results = run(args)
    (work / "results.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    text = markdown(results)
    print()
    print(table(results))
    print(f"\n(raw figures: {work / 'results.json'}; total {results['total_s']:.0f} s)")
    if not args.no_write:
        write_markdown(text)
        print("BENCHMARKS.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
