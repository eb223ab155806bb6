"""A seeded, reproducible synthetic national corpus for the benchmark (``make bench``).

What it writes, under the output folder (default ``/tmp/cdv-bench/corpus``, never inside the repo):

- ``documents/``: N contract documents (default 1,000, about 60 MB) in the two formats of
  ``data/documents``: *programme d'actions* (the Perpignan format) and *annexe objectifs / BOP* (the
  Lézignan format). They are not invented text: each one recombines the real fiche blocks (a fiche
  line, its field lines, its sub-action headings and funding tables, its totals and participation
  text) and the real annex rows, cut out of the bundled documents, with their real traps kept as
  they are (rows split by a page break, a footnote inside a table, collapsed cells, several funders
  in one cell, QPV shares, breakdowns, per-day rates, "dont" parts, the malformed ``265 00€``...).
  What varies, document by document: which fiche blocks and how many (sizes follow a log-normal
  law around 65 KB), their order and numbering under generated pillars, axes and objectives (with
  a matching summary table), every amount of a fiche multiplied by one integer factor (so that the
  document's own arithmetic - shares, breakdowns, rates, cost items against the total - still
  holds), the State service named in table cells (DIRECCTE, DDCSPP, DRJSCS, ACSE, CGET swapped),
  the territory text (QPV names), the contract, and page-break noise (blank and separator lines).
- ``anct/``: the ANCT open data of ``data/anct`` scaled to ten times its size: one JSON list per
  dispositif and year for 2015-2025 (the real 2020-2025 files, and the same records re-dated five
  years earlier), five variants of each real record per date (ids and amounts varied; the JSON
  types and the 2024 drift of each source year kept), plus the two contract lists unchanged.
- ``manifest.json``: per document its contract and the counts a correct ingest must find (fiches,
  funding lines, annex objective rows), computed from the parse of the *real* documents block by
  block, so that a test can check the recombination did not change what the parser reads.

Contracts: a document's contract is recognised from its content against every contract of
``seeds/ref_contracts.csv`` (``ingest.contracts``). By default every programme keeps Perpignan's
names (CV235) and every annex Lézignan-Corbières' (CV038); the documents differ by their content.
``--known-share`` below 1 gives the other documents the name of another contract of the national
list (Perpignan's and Lézignan's names replaced throughout: title, column headers, "PMCA", "Ville de
..."): each is recognised as that contract, and its funders are placed on that contract's territory.

The same ``--seed`` gives the same bytes; document ``i`` depends only on the seed and ``i``, so the
first 100 documents of a 1,000-document corpus are the 100-document corpus.

    python -m bench.generate [--out DIR] [--documents N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script: the ingest package sits next to bench/
    sys.path.insert(0, str(REPO_ROOT))

from ingest import annex, programme  # noqa: E402
from ingest.amounts import find_amounts  # noqa: E402
from ingest.contracts import recognise_contract  # noqa: E402
from ingest.programme.lines import AXIS_HEADING, OBJECTIVE_HEADING, PILLAR_HEADING  # noqa: E402
from ingest.reading import read_file  # noqa: E402
from ingest.reference import seed_rows  # noqa: E402
from ingest.text import fold, strip_tags  # noqa: E402

DOCUMENTS_DIR = REPO_ROOT / "data" / "documents"
ANCT_DIR = REPO_ROOT / "data" / "anct"
PROGRAMME_SOURCE = DOCUMENTS_DIR / "perpignan-mediterranee_programme-actions_pilier-economie-emploi.txt"
ANNEX_SOURCE = DOCUMENTS_DIR / "lezignan-corbieres_annexe7_objectifs-bop.txt"
DEFAULT_OUT = Path("/tmp/cdv-bench/corpus")
MANIFEST = "manifest.json"

KNOWN_PROGRAMME_CONTRACT = "CV235"
KNOWN_ANNEX_CONTRACT = "CV038"
# Log-normal size of a programme document: median 55 KB, mean about 66 KB.
SIZE_MEDIAN_KB, SIZE_SIGMA = 55.0, 0.6
SIZE_MIN_KB, SIZE_MAX_KB = 8.0, 400.0
# One integer factor per fiche: integer so that every amount stays exact and the arithmetic holds.
FACTORS = (1, 1, 2, 3, 4, 5, 6, 8, 10, 12)
# State services a table cell may name, swapped for one another (one funder mention for another:
# the number of funding lines a cell gives does not change).
SWAPPABLE_FUNDERS = ("DIRECCTE", "DDCSPP", "DRJSCS", "ACSE", "CGET")
PAGE_BREAK_RATE = 0.02
PAGE_BREAK_NOISE = ("", "\u00a0", " ", "--\t----", "\u00a0\n\u00a0")
ANCT_VARIANTS = 5  # per real file and date: two dates per real file, 10x the records in all
# Re-dated years stay within the contract generations the expectations accept (2015 onwards).
ANCT_YEAR_SHIFT = 5

PILLARS = (
    "Développement économique et emploi",
    "Cohésion sociale",
    "Cadre de vie et renouvellement urbain",
)
ROMAN = ("I", "II", "III", "IV", "V")
OBJECTIVE_SHAPES = (
    "**Objectif opérationnel n°{code}:** {label}",
    "## Objectif opérationnel n°{code} : {label}",
    "### Objectif opérationnel n°{code}: {label}",
    "**Objectif opérationnel n°{code}: {label}**",
)
AXIS_LABELS = (
    "L'appui, le soutien, la pérennisation, le développement de l'activité économique",
    "La préservation, le soutien et le développement de l'offre commerciale et de service de proximité",
    "L'appui et l'accompagnement à la construction de parcours vers l'insertion professionnelle durable",
    "Favoriser l'inclusion sociale des habitants des quartiers",
    "Renforcer la politique de gestion et d'amélioration de l'habitat",
    "Contribuer à la réussite éducative",
)


# --- templates: the real lines cut into fixed text and slots ------------------------------------


@dataclass(frozen=True)
class Amount:
    """An amount's number as written, to be multiplied by the fiche's factor in the same shape."""

    integer: str  # digits with their grouping separators, as written
    decimals: str  # "" or ",5" / ".5"
    bare: bool  # no currency marker: must not become year-like

    def render(self, factor: int) -> str:
        if factor == 1:
            return self.integer + self.decimals
        separator = next((ch for ch in self.integer if not ch.isdigit()), "")
        places = len(self.decimals) - 1 if self.decimals else 0
        value = Decimal(re.sub(r"\D", "", self.integer) + ("." + self.decimals[1:] if places else ""))
        scaled = value * factor
        whole = int(scaled)
        digits = str(whole)
        if not separator and self.bare and (len(digits) == 4 and 1900 <= whole <= 2099 or len(digits) > 8):
            separator = " "  # a bare "2000" would read as a year, a bare 9-digit run as an id
        if separator:
            groups = []
            while len(digits) > 3:
                groups.insert(0, digits[-3:])
                digits = digits[:-3]
            digits = separator.join([digits, *groups])
        if places:
            fraction = str((scaled - whole).quantize(Decimal(1).scaleb(-places)))[2:].ljust(places, "0")
            digits += self.decimals[0] + fraction
        return digits


@dataclass(frozen=True)
class Slot:
    """A variable part of a line: ``kind`` says how a document fills it, ``text`` is the original."""

    kind: str  # amount | fiche_code | territory | funder | epci | acronym | commune
    text: str
    amount: Amount | None = None


Line = tuple[Any, ...]  # str and Slot parts

_NUMBER = re.compile(
    r"(?P<int>[0-9]{1,3}(?:[ \u00a0\u202f.][0-9]{3})+(?![0-9])|[0-9]+)(?P<dec>,[0-9]+|\.[0-9]{1,2}(?![0-9]))?"
)
# Perpignan's names, longest first (contract aliases, column headers and funders scoped to CV235).
_NATIONAL_NAMES = [
    (re.compile(p, re.IGNORECASE), kind)
    for p, kind in (
        (r"Perpignan\s+M[ée]diterran[ée]e\s+Communaut[ée]\s+d['’]\s*Agglom[ée]ration", "epci"),
        (r"Communaut[ée]\s+d['’]\s*Agglom[ée]ration\s+Perpignan\s+M[ée]diterran[ée]e", "epci"),
        (r"Communaut[ée]\s+d['’]\s*Agglom[ée]ration\s+Perpignan", "epci"),
        (r"Perpignan\s+M[ée]diterran[ée]e(?:\s+M[ée]tropole)?", "epci"),
        (r"(?<![\w])PMCA(?![\w])", "acronym"),
        (r"Perpignan", "commune"),
    )
]
_FUNDER_SWAP = re.compile(r"(?<![\w/\-])(?:" + "|".join(SWAPPABLE_FUNDERS) + r")(?![\w/])")
_TERRITORY_LINE = re.compile(r"^(?P<label>\s*<b>\s*Territoire[^<]*</b>\s*\t)(?P<value>.+)$")


def _spans(line: str, national: bool, table_line: bool, fiche_line: bool) -> list[tuple[int, int, Slot]]:
    spans: list[tuple[int, int, Slot]] = []
    for found in find_amounts(line):
        if found.malformed:
            continue  # the trap stays as written: "265 00€" is read, flagged, and never rescaled
        number = _NUMBER.search(found.text)
        if number is None:
            continue
        start = found.start + number.start()
        spans.append(
            (
                start,
                start + len(number.group(0)),
                Slot(
                    "amount",
                    number.group(0),
                    Amount(number["int"], number["dec"] or "", not found.has_currency),
                ),
            )
        )
    if fiche_line and (match := programme.FICHE.search(line)):
        spans.append((match.start(), match.end(), Slot("fiche_code", match.group(0))))
    if match := _TERRITORY_LINE.match(line):
        spans.append((match.start("value"), match.end("value"), Slot("territory", match["value"])))
    if national:
        taken: list[tuple[int, int]] = []
        for pattern, kind in _NATIONAL_NAMES:
            for match in pattern.finditer(line):
                if any(s < match.end() and match.start() < e for s, e in taken):
                    continue
                taken.append((match.start(), match.end()))
                spans.append((match.start(), match.end(), Slot(kind, match.group(0))))
    if table_line:
        for match in _FUNDER_SWAP.finditer(line):
            spans.append((match.start(), match.end(), Slot("funder", match.group(0))))
    return spans


def template_line(line: str, national: bool, fiche_line: bool = False) -> Line:
    """A line cut into fixed text and slots; slots that overlap an earlier one are dropped."""
    spans = sorted(_spans(line, national, line.startswith("\t"), fiche_line), key=lambda s: (s[0], -s[1]))
    parts: list[Any] = []
    cursor = 0
    for start, end, slot in spans:
        if start < cursor:
            continue
        if start > cursor:
            parts.append(line[cursor:start])
        parts.append(slot)
        cursor = end
    if cursor < len(line):
        parts.append(line[cursor:])
    return tuple(parts)


@dataclass
class Names:
    """What fills the slots of one document."""

    epci: str | None = None
    acronym: str | None = None
    commune: str | None = None
    fiche_code: str = ""
    territory: str | None = None
    factor: int = 1
    funders: random.Random | None = None

    def fill(self, slot: Slot) -> str:
        kind = slot.kind
        if kind == "amount":
            assert slot.amount is not None
            return slot.amount.render(self.factor)
        if kind == "fiche_code":
            return f"Fiche action n° {self.fiche_code}" if self.fiche_code else slot.text
        if kind == "territory":
            return self.territory or slot.text
        if kind == "funder":
            return self.funders.choice(SWAPPABLE_FUNDERS) if self.funders else slot.text
        value = getattr(self, kind)
        return slot.text if value is None else value


def render(line: Line, names: Names) -> str:
    return "".join(part if part.__class__ is str else names.fill(part) for part in line)


# --- the real documents, cut into blocks ---------------------------------------------------------


_STRUCTURE_START = re.compile(r"^[\s#*]*(?:<b>\s*)?")


def _is_structure_heading(line: str) -> bool:
    """A pillar, axis or objective heading: it ends the fiche block before it."""
    if line.startswith("<b>"):
        return False
    plain = strip_tags(_STRUCTURE_START.sub("", line))
    return bool(OBJECTIVE_HEADING.match(plain) or AXIS_HEADING.match(plain) or PILLAR_HEADING.match(plain))


def _is_fiche_start(line: str) -> bool:
    match = programme.FICHE.search(line)
    return bool(match) and ("<b>" in line or line.lstrip().startswith(("Fiche", "**", "#")))


@dataclass
class FicheBlock:
    code: str
    title: str
    first: int  # 0-based line indexes in the source, end excluded
    end: int
    lines: dict[bool, list[Line]] = field(default_factory=dict)  # national? -> templated lines
    funding_lines: dict[bool, int] = field(default_factory=dict)
    funding_tables: int = 0
    size: int = 0  # bytes of the real block, to reach a document's target size


@dataclass
class AnnexUnit:
    level: str  # prelude | pillar | axis | transversal
    lines: list[str]
    rows: int  # objective rows the real parse read in these lines


@dataclass
class Sources:
    blocks: list[FicheBlock]
    axis_labels: list[str]
    objective_labels: list[str]
    annex_units: list[AnnexUnit]
    annex_pairs: list[tuple[str, str]]
    contracts: list[dict[str, str]]
    qpv_aliases: list[str]
    qpv_names: list[str]


def _fiche_blocks(lines: list[str]) -> list[FicheBlock]:
    starts = [i for i, line in enumerate(lines) if _is_fiche_start(line)]
    blocks = []
    for n, start in enumerate(starts):
        limit = starts[n + 1] if n + 1 < len(starts) else len(lines)
        end = next((i for i in range(start + 1, limit) if _is_structure_heading(lines[i])), limit)
        code = "-".join(programme.FICHE.search(lines[start]).groups())
        blocks.append(FicheBlock(code, "", start, end))
    return blocks


def _count_by_fiche(
    lines: list[str], blocks: list[FicheBlock]
) -> tuple[Counter[int], Counter[int], dict[int, str]]:
    """Funding lines and tables of the parse of ``lines``, per block (by source line), and titles."""
    result = programme.parse(lines)
    owner = {}
    for index, block in enumerate(blocks):
        for number in range(block.first + 1, block.end + 1):
            owner[number] = index
    tables = {
        row["table_id"]: owner.get(row["first_line"]) for row in result.tables.get("funding_tables", [])
    }
    funding: Counter[int] = Counter(tables[row["table_id"]] for row in result.tables.get("funding_lines", []))
    table_counts: Counter[int] = Counter(tables.values())
    titles = {owner[row["first_line"]]: row["title"] or "" for row in result.tables.get("fiches", [])}
    return funding, table_counts, titles


def _national_sample() -> Names:
    return Names(epci="CA du Val Synthétique", acronym="CAVS", commune="Synthèse")


def load_sources() -> Sources:
    lines = read_file(PROGRAMME_SOURCE).lines
    blocks = _fiche_blocks(lines)
    for national in (False, True):
        templated = [template_line(line, national, _is_fiche_start(line)) for line in lines]
        names = _national_sample() if national else Names()
        rendered = [render(line, names) for line in templated]
        if not national and rendered != lines:
            raise AssertionError("templating the real programme does not give it back unchanged")
        if national and recognise_contract("\n".join(rendered)).code is not None:
            raise AssertionError("the national rendering of the programme still names a contract")
        funding, tables, titles = _count_by_fiche(rendered, blocks)
        for index, block in enumerate(blocks):
            block.lines[national] = templated[block.first : block.end]
            block.funding_lines[national] = funding[index]
            block.funding_tables = tables[index]
            block.title = block.title or titles.get(index, "")
            block.size = sum(len(line.encode("utf-8")) + 1 for line in lines[block.first : block.end])
    axis_labels, objective_labels = [], []
    for line in lines:
        plain = strip_tags(_STRUCTURE_START.sub("", line))
        if match := AXIS_HEADING.match(plain):
            axis_labels.append(match["label"].strip(" :*"))
        elif match := OBJECTIVE_HEADING.match(plain):
            objective_labels.append(match["label"].strip(" :*"))
    units, pairs = _annex_units(read_file(ANNEX_SOURCE).lines)
    return Sources(
        blocks=blocks,
        axis_labels=[label for label in axis_labels if label] + list(AXIS_LABELS),
        objective_labels=[label for label in objective_labels if label],
        annex_units=units,
        annex_pairs=pairs,
        contracts=_national_contracts(),
        qpv_aliases=sorted(
            {
                r["qpv_name"]
                for r in seed_rows("ref_qpv")
                if r.get("contract_code") == KNOWN_PROGRAMME_CONTRACT
            }
        ),
        qpv_names=sorted({r["qpv_name"] for r in seed_rows("ref_qpv") if r.get("qpv_name")}),
    )


def _annex_units(lines: list[str]) -> tuple[list[AnnexUnit], list[tuple[str, str]]]:
    parsed = annex.parse(lines)
    rows_at = Counter(row["source_line"] for row in parsed.tables[annex.TABLE])
    pairs = sorted(
        {
            (row["bop_list"], row["service_list"])
            for row in parsed.tables[annex.TABLE]
            if row["bop_list"] and row["service_list"]
        }
    )
    units: list[AnnexUnit] = [AnnexUnit("prelude", [], 0)]
    for number, line in enumerate(lines, start=1):
        heading = annex.line_heading(annex._cells(line))
        if heading is not None:
            units.append(AnnexUnit(heading.level, [], 0))
        units[-1].lines.append(line)
        units[-1].rows += rows_at[number]
    return units, pairs


_EPCI_PREFIX = re.compile(
    r"^(?:CA|CC|CU|Métropole|Communauté (?:d['’]agglomération|de communes|urbaine)|Eurométropole)\s+"
    r"(?:(?:du|de la|de l['’]|des|de|d['’])\s*)?(?:Pays\s+(?:du|de la|de l['’]|des|de|d['’])?\s*)?",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d")


def _national_contracts() -> list[dict[str, str]]:
    """Contracts of ref_contracts that a document titled with their name is recognised as, with a
    commune name and an acronym."""
    taken = {
        fold(r["alias"])
        for name in ("ref_funder_aliases", "ref_dispositif_aliases", "ref_qpv_aliases")
        for r in seed_rows(name)
    }
    chosen = []
    for row in seed_rows("ref_contracts"):
        name = (row.get("contract_name") or "").strip()
        if not name or _DIGITS.search(name) or row["contract_code"] == KNOWN_PROGRAMME_CONTRACT:
            continue
        commune = (
            _EPCI_PREFIX.sub("", name).split(" - ")[0].split(" Agglo")[0].split(" Communauté")[0].strip()
            or name
        )
        initials = "".join(w[0] for w in re.findall(r"[A-Za-zÀ-ÿ]+", name) if w[0].isupper())
        acronym = (initials if len(initials) >= 3 else initials + "A")[:6].upper()
        while fold(acronym) in taken:
            acronym += "X"
        if recognise_contract(f"# Contrat de ville {name}\n{commune} {acronym}").code != row["contract_code"]:
            continue
        chosen.append(
            {"contract_code": row["contract_code"], "name": name, "commune": commune, "acronym": acronym}
        )
    return chosen


# --- documents -------------------------------------------------------------------------------------


@dataclass
class Generated:
    file_name: str
    kind: str
    contract_code: str | None
    contract_name: str
    text: str
    fiches: int = 0
    funding_lines: int = 0
    funding_tables: int = 0
    annex_objectives: int = 0


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:48] or "contrat"


def _territory(rng: random.Random, sources: Sources, known: bool) -> str:
    pool = sources.qpv_aliases if known else sources.qpv_names
    shape = rng.random()
    if shape < 0.25:
        return rng.choice(("Tous les QPV", "Tous les quartiers prioritaires", "l'ensemble des QPV"))
    if shape < 0.7:
        return "QPV " + rng.choice(pool)
    picked = rng.sample(pool, k=min(len(pool), rng.randint(2, 4)))
    return "QPV: " + ", ".join(picked[:-1]) + " et " + picked[-1]


def _noise(rng: random.Random, out: list[str]) -> None:
    if rng.random() < PAGE_BREAK_RATE:
        out.append(rng.choice(PAGE_BREAK_NOISE))


def generate_programme(
    index: int, rng: random.Random, sources: Sources, contract: dict[str, str] | None
) -> Generated:
    known = contract is None
    names = Names(funders=rng)
    if known:
        contract_code, contract_name = (
            KNOWN_PROGRAMME_CONTRACT,
            "Perpignan Méditerranée Communauté d'Agglomération",
        )
    else:
        contract_code, contract_name = contract["contract_code"], contract["name"]
        names.epci, names.acronym, names.commune = contract["name"], contract["acronym"], contract["commune"]
    target = (
        min(SIZE_MAX_KB, max(SIZE_MIN_KB, math.exp(rng.gauss(math.log(SIZE_MEDIAN_KB), SIZE_SIGMA)))) * 1024
    )
    picks: list[FicheBlock] = []
    size = 4096
    while size < target or not picks:
        block = rng.choice(sources.blocks)
        picks.append(block)
        size += block.size
    # Fiches into pillars, axes (numbered through the document) and objectives.
    plan: list[tuple[int, int, int, FicheBlock]] = []  # pillar, axis, objective, block
    pillar_count = 1 if len(picks) < 6 else rng.randint(1, min(3, len(picks) // 3))
    per_pillar = _split(len(picks), pillar_count, rng)
    axis = 0
    cursor = 0
    for pillar, count in enumerate(per_pillar):
        for axis_size in _split(count, max(1, min(count, rng.randint(1, 4))), rng):
            axis += 1
            for objective, objective_size in enumerate(
                _split(axis_size, max(1, min(axis_size, rng.randint(1, 3))), rng), 1
            ):
                for _ in range(objective_size):
                    plan.append((pillar, axis, objective, picks[cursor]))
                    cursor += 1
    pillar_labels = rng.sample(PILLARS, k=pillar_count)
    pillar_numbers = sorted(rng.sample(range(len(ROMAN)), k=pillar_count))
    axis_labels = {a: rng.choice(sources.axis_labels) for a in range(1, axis + 1)}
    objective_labels: dict[tuple[int, int], str] = {}
    codes: list[str] = []
    counters: Counter[tuple[int, int]] = Counter()
    for _, a, o, _ in plan:
        counters[(a, o)] += 1
        codes.append(f"{a}-{o}-{counters[(a, o)]}")
        objective_labels.setdefault((a, o), rng.choice(sources.objective_labels))

    out: list[str] = ["", ""]
    if known:
        out += ["# Contrat de ville de Perpignan Méditerranée", ""]
    else:
        out += [f"# Contrat de ville {contract_name}", ""]
    out += ["# Programme d'actions", ""]
    # Summary table: the fiches under their pillar, axis and objective (the parser reads it first).
    out.append(
        "PILIER\tAxes stratégiques du contrat cadre\tObjectifs opérationnels du contrat cadre\tFiches actions\tIntitulés des fiches actions"
    )
    seen_pillar, seen_axis, seen_objective = -1, 0, (0, 0)
    for (p, a, o, block), code in zip(plan, codes, strict=True):
        pillar_cell = f"{ROMAN[pillar_numbers[p]]}. {pillar_labels[p]}" if p != seen_pillar else ""
        axis_cell = f"Axe {a} {axis_labels[a]}" if a != seen_axis else ""
        objective_cell = f"{a}.{o} {objective_labels[(a, o)]}" if (a, o) != seen_objective else ""
        title = strip_tags(block.title).replace("\t", " ")
        out.append("\t".join((pillar_cell, axis_cell, objective_cell, code.replace("-", "."), title)))
        seen_pillar, seen_axis, seen_objective = p, a, (a, o)
    out.append("")
    seen_pillar, seen_axis, seen_objective = -1, 0, (0, 0)
    doc = Generated("", "programme_actions", contract_code, contract_name, "")
    for (p, a, o, block), code in zip(plan, codes, strict=True):
        if p != seen_pillar:
            out += [f"## {ROMAN[pillar_numbers[p]]}. Pilier {pillar_labels[p]}", ""]
        if a != seen_axis:
            out += [f"## Axe stratégique {a}: {axis_labels[a]}", ""]
        if (a, o) != seen_objective:
            out += [rng.choice(OBJECTIVE_SHAPES).format(code=f"{a}-{o}", label=objective_labels[(a, o)]), ""]
        seen_pillar, seen_axis, seen_objective = p, a, (a, o)
        names.fiche_code = code
        names.factor = rng.choice(FACTORS)
        names.territory = _territory(rng, sources, known)
        for line in block.lines[not known]:
            out.append(render(line, names))
            _noise(rng, out)
        doc.fiches += 1
        doc.funding_lines += block.funding_lines[not known]
        doc.funding_tables += block.funding_tables
    doc.text = "\n".join(out) + "\n"
    slug = "perpignan-mediterranee" if known else _slug(contract_name)
    doc.file_name = f"{index:04d}_{slug}_programme-actions.txt"
    return doc


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` items into ``parts`` non-empty groups."""
    parts = max(1, min(parts, total))
    cuts = sorted(rng.sample(range(1, total), k=parts - 1)) if parts > 1 else []
    bounds = [0, *cuts, total]
    return [bounds[i + 1] - bounds[i] for i in range(parts)]


def generate_annex(
    index: int, rng: random.Random, sources: Sources, contract: dict[str, str] | None
) -> Generated:
    known = contract is None
    contract_code = KNOWN_ANNEX_CONTRACT if known else contract["contract_code"]
    contract_name = "Lézignan-Corbières" if known else contract["name"]
    doc = Generated("", "annexe_objectifs_bop", contract_code, contract_name, "")
    out: list[str] = []
    pair_at = {pair: n for n, pair in enumerate(sources.annex_pairs)}
    for unit in sources.annex_units:
        if unit.level == "prelude":
            for line in unit.lines:
                out.append(line if known else re.sub(r"Lézignan-Corbières", contract_name, line))
            continue
        if unit.level == "axis" and rng.random() < 0.15:
            continue
        if unit.level == "transversal" and rng.random() < 0.3:
            continue
        repeats = 2 if unit.level == "axis" and rng.random() < 0.3 else 1
        for _ in range(repeats):
            for number, line in enumerate(unit.lines):
                cells = line.split("\t")
                # Another objective's BOP and service lists (the pairs keep their real traps), on a
                # row that no continuation line completes (the merged lists would repeat pairs).
                if (
                    len(cells) >= 4
                    and cells[0].strip()
                    and (cells[2].strip(), cells[3].strip()) in pair_at
                    and not _continued(unit.lines, number)
                    and rng.random() < 0.5
                ):
                    cells[2], cells[3] = rng.choice(sources.annex_pairs)
                    line = "\t".join(cells)
                out.append(line)
                _noise(rng, out)
            doc.annex_objectives += unit.rows
    doc.text = "\n".join(out) + "\n"
    slug = "lezignan-corbieres" if known else _slug(contract_name)
    doc.file_name = f"{index:04d}_{slug}_annexe-objectifs-bop.txt"
    return doc


def _continued(lines: list[str], number: int) -> bool:
    """Whether the row on ``lines[number]`` goes on on the next non-blank line (no reference there)."""
    for line in lines[number + 1 :]:
        if not line.strip():
            continue
        cells = line.split("\t")
        return not cells[0].strip() and any(cell.strip() for cell in cells[1:])
    return False


def generate_document(
    index: int, seed: int, sources: Sources, known_share: float, annex_share: float
) -> Generated:
    rng = random.Random(f"{seed}:document:{index}")
    is_annex = rng.random() < annex_share
    contract = None if rng.random() < known_share else rng.choice(sources.contracts)
    if is_annex:
        return generate_annex(index, rng, sources, contract)
    return generate_programme(index, rng, sources, contract)


# --- ANCT ------------------------------------------------------------------------------------------


def _vary_id(post_id: Any, variant: int, year: int) -> Any:
    if not isinstance(post_id, str) or variant == 0 and year == 0:
        return post_id
    salt = variant * 7919 + year * 104729
    if re.fullmatch(r"\d{5}R\d{6}", post_id):  # adultes-relais: keep the département and the R
        return f"{post_id[:6]}{(int(post_id[6:]) + salt) % 1_000_000:06d}"
    match = re.fullmatch(r"([A-Z]{1,2})(\d+)", post_id)
    if match:  # FONJEP: letters then digits, six characters
        letters = "".join(chr(65 + (ord(c) - 65 + variant * 3 + year) % 26) for c in match[1])
        width = len(match[2])
        return f"{letters}{(int(match[2]) + salt) % 10**width:0{width}d}"
    return f"{post_id}-{variant}"


def _vary_amount(value: Any, factor: float) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(round(value * factor))
    if isinstance(value, float):
        return round(value * factor, 2)
    return value  # text amounts stay as written (a drift to keep, not to normalise)


def _vary_year(value: Any, year: int) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return year
    if isinstance(value, str) and value.strip().isdigit():
        return str(year)
    return value


def write_anct(
    out: Path, seed: int, scale_variants: int = ANCT_VARIANTS, only: tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    """The ANCT posts at ten times their size: each real file gives five variants of its records
    dated as written and five re-dated ``ANCT_YEAR_SHIFT`` years earlier, one file per dispositif
    and year (2015-2025: the year both sources give, 2020, holds both).

    ``only`` limits the real files used (by name), for tests.
    """
    written = []
    sources = {}
    for path in sorted(ANCT_DIR.glob("*.json")):
        if only is not None and path.name not in only:
            continue
        match = re.fullmatch(r"(?P<stem>.+)-(?P<year>\d{4})", path.stem)
        if match and match["stem"] in ("postes-fonjep", "adulte-relais"):
            sources[(match["stem"], int(match["year"]))] = path
        else:
            shutil.copyfile(path, out / path.name)  # contract lists: reference data, not scaled
            written.append({"file": path.name, "records": None, "bytes": path.stat().st_size})
    targets: dict[tuple[str, int], list[tuple[int, list[Any]]]] = {}
    for stem, year in sorted(sources):
        records = json.loads(sources[(stem, year)].read_text(encoding="utf-8"))
        for target_year in (year - ANCT_YEAR_SHIFT, year):
            targets.setdefault((stem, target_year), []).append((year, records))
    for (stem, target_year), parts in sorted(targets.items()):
        rows = []
        for year, records in parts:
            shift = year - target_year
            rng = random.Random(f"{seed}:anct:{stem}:{year}:{target_year}")
            for variant in range(scale_variants):
                factor = 1.0 if variant == 0 and shift == 0 else round(rng.uniform(0.85, 1.15), 3)
                for record in records:
                    if not isinstance(record, dict):
                        rows.append(record)
                        continue
                    row = dict(record)
                    row["id_poste"] = _vary_id(record.get("id_poste"), variant, shift)
                    if "montant" in row:
                        row["montant"] = _vary_amount(record["montant"], factor)
                    if shift and "annee" in row:
                        row["annee"] = _vary_year(record["annee"], target_year)
                    rows.append(row)
        name = f"{stem}-{target_year}.json"
        data = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
        (out / name).write_text(data, encoding="utf-8")
        written.append({"file": name, "records": len(rows), "bytes": len(data.encode("utf-8"))})
    return written


# --- command line ----------------------------------------------------------------------------------


def _prepare(out: Path) -> None:
    out = out.resolve()
    if out == REPO_ROOT or out.is_relative_to(REPO_ROOT):
        raise SystemExit(f"bench.generate: {out} is inside the repository; write the corpus elsewhere")
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise SystemExit(f"bench.generate: {out} is not empty and holds no {MANIFEST}: not overwritten")
    for sub in ("documents", "anct"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True)
    (out / MANIFEST).unlink(missing_ok=True)


def generate(
    out: Path,
    documents: int = 1000,
    seed: int = 20151,
    known_share: float = 1.0,
    annex_share: float = 0.15,
    anct: bool = True,
    progress=print,
) -> dict[str, Any]:
    started = time.perf_counter()
    _prepare(out)
    sources = load_sources()
    entries = []
    total = 0
    for index in range(documents):
        doc = generate_document(index, seed, sources, known_share, annex_share)
        data = doc.text.encode("utf-8")
        (out / "documents" / doc.file_name).write_bytes(data)
        total += len(data)
        entries.append(
            {
                "file": doc.file_name,
                "kind": doc.kind,
                "contract_code": doc.contract_code,
                "contract_name": doc.contract_name,
                "bytes": len(data),
                "fiches": doc.fiches,
                "funding_tables": doc.funding_tables,
                "funding_lines": doc.funding_lines,
                "annex_objectives": doc.annex_objectives,
            }
        )
    anct_files = write_anct(out / "anct", seed) if anct else []
    manifest = {
        "seed": seed,
        "documents": entries,
        "documents_bytes": total,
        "anct": anct_files,
        "anct_bytes": sum(f["bytes"] for f in anct_files),
        "known_share": known_share,
        "annex_share": annex_share,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    progress(
        f"corpus: {documents} documents ({total / 1e6:.1f} MB), {len(anct_files)} ANCT files "
        f"({manifest['anct_bytes'] / 1e6:.1f} MB) in {out} ({time.perf_counter() - started:.1f} s)"
    )
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "out", nargs="?", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})"
    )
    parser.add_argument("--documents", "-n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20151)
    parser.add_argument(
        "--known-share", type=float, default=1.0, help="share of documents of a recognised contract"
    )
    parser.add_argument(
        "--annex-share", type=float, default=0.15, help="share of annexes among the documents"
    )
    parser.add_argument("--no-anct", action="store_true", help="documents only")
    args = parser.parse_args(argv)
    generate(args.out, args.documents, args.seed, args.known_share, args.annex_share, anct=not args.no_anct)
    return 0


if __name__ == "__main__":
    sys.exit(main())
