"""Reference data the parsers need, read from the dbt seeds so both sides share one source.

Besides the seeds, users may add reference files of their own without touching code:
``reference/qpv/*.csv`` holds QPV lists of other regions (the national file's columns: code, name,
commune; see ``reference/README.md``). ``reference_fingerprint`` changes whenever any of these
inputs changes, so that documents already loaded are read again against the new reference.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"
USER_REFERENCE_DIR = REPO_ROOT / "reference"
USER_QPV_DIR = USER_REFERENCE_DIR / "qpv"

# The seeds whose content decides how a document is read (its contract, funders, QPVs, dispositifs).
PARSER_SEEDS = (
    "ref_contract_generations",
    "ref_contracts",
    "ref_departements",
    "ref_dispositif_aliases",
    "ref_dispositifs",
    "ref_funder_aliases",
    "ref_funders",
    "ref_qpv",
    "ref_qpv_aliases",
)


@cache
def seed_rows(name: str) -> tuple[dict[str, str], ...]:
    """Rows of ``seeds/<name>.csv`` as dicts; empty when the seed is missing."""
    path = SEEDS_DIR / f"{name}.csv"
    if not path.exists():
        return ()
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(dict(row) for row in csv.DictReader(handle))


@dataclass(frozen=True)
class Generation:
    """A generation of contrats de ville (seed ``ref_contract_generations``)."""

    code_prefix: str  # CV, CN
    generation: str  # its label, as ref_contracts.generation writes it: 2015-2023
    period_start: int
    period_end: int
    planned_period_end: int  # the last year its documents planned for
    is_default: bool  # the generation of a document whose contract is not recognised


@cache
def contract_generations() -> tuple[Generation, ...]:
    """The generations of contrats de ville, oldest first."""
    return tuple(
        sorted(
            (
                Generation(
                    row["code_prefix"],
                    row["generation"],
                    int(row["period_start"]),
                    int(row["period_end"]),
                    int(row["planned_period_end"]),
                    row["is_default"].strip().lower() == "true",
                )
                for row in seed_rows("ref_contract_generations")
            ),
            key=lambda g: g.period_start,
        )
    )


def generation_of(code: str | None) -> Generation | None:
    """The generation of a contract code, by its prefix (None for a code of no known shape)."""
    code = (code or "").strip()
    return next((g for g in contract_generations() if code.startswith(g.code_prefix)), None)


def default_generation() -> Generation:
    return next(g for g in contract_generations() if g.is_default)


# -- QPV lists added by users ------------------------------------------------------------------------

# Header spellings of the official QPV lists (2015 décret annex, SIG Ville, ANCT 2024 list) and of
# this project's own seed, folded to lower case without accents or punctuation.
_QPV_HEADERS: dict[str, tuple[str, ...]] = {
    "qpv_code": ("qpv_code", "code_qp", "code_qpv", "codeqp", "code_quartier", "code"),
    "qpv_name": (
        "qpv_name",
        "nom_qp",
        "lib_qp",
        "nom_qpv",
        "libelle_qp",
        "nom_quartier",
        "nom",
        "name",
        "libelle",
    ),
    "commune_name": ("commune_name", "commune_qp", "lib_com", "nom_commune", "commune", "communes", "libcom"),
    "commune_insee": (
        "commune_insee",
        "insee_com",
        "code_commune",
        "codgeo",
        "depcom",
        "code_insee",
        "insee",
    ),
    "department": ("department", "insee_dep", "code_departement", "dep", "departement", "code_dep"),
    "epci_siren": ("epci_siren", "siren_epci", "code_epci", "epci"),
    "contract_code": ("contract_code", "code_cv", "contrat_de_ville"),
    "communes_englobantes": ("communes_englobantes", "communes_qp"),
    "pop_mun": ("pop_mun", "population", "pop"),
}
_QPV_CODE = re.compile(r"^Q[PN][0-9AB]{3}[0-9]{3}$")


def _header_key(name: str) -> str:
    from ingest.text import fold

    return fold(name).replace(" ", "_")


def _department_of_code(code: str) -> str:
    """QP034001 -> '34', QP02A001 -> '2A', QP971001 -> '971' (the code's three département characters)."""
    part = code[2:5]
    return part[1:] if part.startswith("0") else part


def read_qpv_list(data: bytes) -> tuple[list[dict[str, str]], list[str]]:
    """Rows of one QPV list file (comma or semicolon, UTF-8 or Windows-1252) in ``ref_qpv``'s columns,
    and the problems found (one message per unusable row or column)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns: dict[str, str] = {}
    for field in reader.fieldnames or []:
        key = _header_key(field)
        for target, spellings in _QPV_HEADERS.items():
            if target not in columns and key in spellings:
                columns[target] = field
    problems: list[str] = []
    for needed in ("qpv_code", "qpv_name"):
        if needed not in columns:
            problems.append(f"no {needed} column (headers: {', '.join(reader.fieldnames or [])})")
    if problems:
        return [], problems
    rows = []
    for number, raw in enumerate(reader, start=2):
        row = {target: (raw.get(source) or "").strip() for target, source in columns.items()}
        code = row.get("qpv_code", "").upper()
        if not _QPV_CODE.match(code):
            problems.append(f"line {number}: '{code}' is not a QPV code: row skipped")
            continue
        row["qpv_code"] = code
        row.setdefault("department", "")
        if not row["department"]:
            row["department"] = _department_of_code(code)
        row["department"] = row["department"].zfill(2) if row["department"].isdigit() else row["department"]
        row.setdefault("commune_name", "")
        row.setdefault("commune_insee", "")
        row["commune_name"] = row["commune_name"].split(",")[0].strip()
        row["_line"] = str(number)
        rows.append(row)
    return rows, problems


@cache
def user_qpv_rows() -> tuple[tuple[dict[str, str], ...], tuple[str, ...]]:
    """QPV rows of ``reference/qpv/*.csv`` (file order), with the problems found in them."""
    rows: list[dict[str, str]] = []
    problems: list[str] = []
    if USER_QPV_DIR.is_dir():
        for path in sorted(USER_QPV_DIR.glob("*.csv")):
            file_rows, file_problems = read_qpv_list(path.read_bytes())
            for row in file_rows:
                row.pop("_line", None)
                row["source"] = f"reference/qpv/{path.name}"
            rows.extend(file_rows)
            problems.extend(f"reference/qpv/{path.name}: {p}" for p in file_problems)
    return tuple(rows), tuple(problems)


@cache
def qpv_rows() -> tuple[dict[str, str], ...]:
    """Every known QPV: the ``ref_qpv`` seed, then the users' lists for the codes the seed lacks."""
    seen: set[str] = set()
    rows: list[dict[str, str]] = []
    for row in seed_rows("ref_qpv"):
        seen.add(row["qpv_code"])
        rows.append(dict(row, source="seeds/ref_qpv.csv"))
    for row in user_qpv_rows()[0]:
        if row["qpv_code"] not in seen:
            seen.add(row["qpv_code"])
            rows.append(row)
    return tuple(rows)


@cache
def reference_fingerprint() -> str:
    """A short hash of every reference input a parser reads: the parser seeds and the users' lists."""
    digest = hashlib.sha256()
    for name in PARSER_SEEDS:
        path = SEEDS_DIR / f"{name}.csv"
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    if USER_QPV_DIR.is_dir():
        for path in sorted(USER_QPV_DIR.glob("*.csv")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
