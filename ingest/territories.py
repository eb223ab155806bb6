"""A contract's territory, from the national reference: its département and région, its EPCI or
commune, and its priority neighbourhoods (QPV).

Nothing here knows a particular contract. A contract is a row of ``ref_contracts`` (code, name,
the SIREN of its EPCI or the INSEE code of its commune, its département); ``ref_departements`` gives
the département's name and région (and the région before 2016); ``ref_qpv`` (plus the users' lists
of ``reference/qpv/``) gives the QPVs with their commune.

Which QPVs are a contract's (``contract_qpvs``), first rule that gives any:

1. ``explicit``: QPVs whose ``contract_code`` column names it;
2. ``epci``: QPVs whose ``epci_siren`` (users' lists) or commune is the contract's own;
3. ``commune_name``: QPVs of the contract's département whose commune the contract's name holds
   ("CA Carcassonne Agglo" holds Carcassonne; "CC du Limouxin" holds Limoux by the word's stem);
   a commune name equal to the whole contract name is the commune contract itself.
The parser adds the QPVs of the département that the document itself names (see ``ingest.territory``).

Funder codes (``funder_code_for``): a funder is a role on a territory. ``DEP-<dép.>`` the
Département, ``REG-<région 2016>`` the Région, ``CAF-<dép.>`` the CAF, ``EPCI-<SIREN>`` the
intercommunality, ``COM-<INSEE>`` a commune (``COM-<dép.>-<NAME>`` when its INSEE code is not in the
reference); State funders keep national codes (``ETAT``, ``DIRECCTE``...), other bodies named in a
document are ``AUTRE-<NAME>``. A role whose territory is unknown (no contract recognised) is the bare
role: ``DEP``, ``REG``, ``CAF``, ``EPCI``, ``COM``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ingest.reference import qpv_rows, seed_rows
from ingest.text import fold

ROLE_PREFIX = {"departement": "DEP", "region": "REG", "caf": "CAF", "epci": "EPCI", "commune": "COM"}

# Words of contract names that say the legal form, not the place ("CA du Grand Narbonne").
LEGAL_FORM_WORDS = frozenset(
    [
        "ca",
        "cc",
        "cu",
        "cte",
        "com",
        "comm",
        "communaute",
        "communautes",
        "communes",
        "agglomeration",
        "agglo",
        "metropole",
        "metropolitaine",
        "eurometropole",
        "urbaine",
        "syndicat",
        "intercommunal",
        "sivom",
        "epci",
        "territoire",
    ]
)
STOPWORDS = frozenset(
    ["de", "du", "des", "d", "la", "le", "les", "l", "et", "en", "sur", "sous", "a", "au", "aux"]
)
# Words too common in place names to identify a commune or contract on their own.
GENERIC_PLACE_WORDS = frozenset(
    [
        "saint",
        "sainte",
        "st",
        "ste",
        "grand",
        "grande",
        "petit",
        "petite",
        "pays",
        "region",
        "vallee",
        "val",
        "mont",
        "ville",
        "centre",
        "nord",
        "sud",
        "est",
        "ouest",
        "haut",
        "haute",
        "bas",
        "basse",
        "cote",
        "cotes",
        "terre",
        "terres",
        "plaine",
        "bassin",
        "porte",
        "portes",
        "coeur",
        "nouveau",
        "nouvelle",
        "nouveaux",
        "ancien",
        "ancienne",
        "anciens",
        "vieux",
        "vieille",
        "cite",
        "residence",
        "rue",
        "avenue",
        "boulevard",
        "place",
        "parc",
        "route",
        "chemin",
    ]
)


@dataclass(frozen=True)
class Contract:
    code: str
    name: str
    lib_cv: str
    epci_siren: str
    commune_insee: str
    department: str
    generation: str
    successor_code: str

    @property
    def acronyms(self) -> tuple[str, ...]:
        """Acronyms the national list gives in parentheses ("... (COGA)", "CA de l'Albigeois (C2A)")."""
        return tuple(re.findall(r"\(([A-Z0-9][A-Z0-9&]{1,9})\)", self.lib_cv))

    @property
    def bare_name(self) -> str:
        """The name without its parenthesised acronym."""
        return re.sub(r"\s*\([^)]*\)\s*", " ", self.name).strip()


@dataclass(frozen=True)
class Qpv:
    code: str
    name: str
    commune_insee: str
    commune_name: str
    department: str
    contract_code: str = ""
    epci_siren: str = ""


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    region_code: str
    region_name: str
    region_name_before_2016: str


def _dept(code: str | None) -> str:
    code = (code or "").strip()
    return code.zfill(2) if code.isdigit() and len(code) < 2 else code


@cache
def departments() -> dict[str, Department]:
    return {
        _dept(row["department_code"]): Department(
            _dept(row["department_code"]),
            row["department_name"],
            row.get("region_code") or "",
            row.get("region_name") or "",
            row.get("region_name_before_2016") or "",
        )
        for row in seed_rows("ref_departements")
    }


@cache
def contracts() -> dict[str, Contract]:
    return {
        row["contract_code"]: Contract(
            row["contract_code"],
            row["contract_name"],
            row.get("lib_cv") or row["contract_name"],
            row.get("epci_siren") or "",
            row.get("commune_insee") or "",
            _dept(row.get("department")),
            row.get("generation") or "",
            row.get("successor_code") or "",
        )
        for row in seed_rows("ref_contracts")
        if row.get("contract_code")
    }


@cache
def qpvs() -> tuple[Qpv, ...]:
    return tuple(
        Qpv(
            row["qpv_code"],
            row.get("qpv_name") or row["qpv_code"],
            row.get("commune_insee") or "",
            row.get("commune_name") or "",
            _dept(row.get("department")),
            row.get("contract_code") or "",
            row.get("epci_siren") or "",
        )
        for row in qpv_rows()
    )


@cache
def qpvs_of_department(department: str) -> tuple[Qpv, ...]:
    return tuple(q for q in qpvs() if q.department == department)


def name_tokens(text: str) -> list[str]:
    return fold(text).split()


def place_core(name: str) -> str:
    """The place words of a contract or EPCI name: legal form and linking words dropped
    ("CA du Grand Narbonne" -> "grand narbonne", "Montpellier Méditerranée Métropole" ->
    "montpellier mediterranee", "CA du Grand Avignon (COGA)" -> "grand avignon")."""
    name = re.sub(r"\([^)]*\)", " ", name)
    tokens = [t for t in name_tokens(name) if t not in LEGAL_FORM_WORDS]
    while tokens and tokens[0] in STOPWORDS:
        tokens.pop(0)
    while tokens and tokens[-1] in STOPWORDS:
        tokens.pop()
    return " ".join(tokens)


def initials_match(acronym: str, phrase: str) -> bool:
    """Whether an acronym's letters are the initials of a run of a phrase's significant words, in order
    ("CAGN" and "Communauté d'Agglomération du Grand Narbonne")."""
    words = [w for w in fold(phrase).split() if w not in STOPWORDS]
    letters = "".join(c for c in fold(acronym) if c.isalpha())
    return len(letters) >= 2 and bool(words) and letters in "".join(w[0] for w in words)


def _stem_match(commune_token: str, name_token: str) -> bool:
    """A commune's word and the word of a contract name derived from it ("limoux"/"limouxin",
    "lodeve"/"lodevois", "albi"/"albigeois", "castres"/"castraise")."""
    if len(commune_token) < 4:
        return False
    if name_token.startswith(commune_token):
        return True
    common = 0
    for a, b in zip(commune_token, name_token, strict=False):
        if a != b:
            break
        common += 1
    return common >= 5 and common >= len(commune_token) - 2


def commune_in_name(commune_name: str, contract_name: str) -> bool:
    """Whether a contract's name holds a commune's name (as a phrase, or by its first distinctive word)."""
    commune = " ".join(name_tokens(commune_name))
    name = " ".join(name_tokens(re.sub(r"\([^)]*\)", " ", contract_name)))
    if not commune or not name:
        return False
    if re.search(rf"(?<![a-z0-9]){re.escape(commune)}(?![a-z0-9])", name):
        return True
    words = [t for t in commune.split() if t not in STOPWORDS and t not in GENERIC_PLACE_WORDS]
    if not words:
        return False
    return any(_stem_match(words[0], token) for token in name.split() if token not in LEGAL_FORM_WORDS)


@cache
def contract_qpvs(code: str) -> tuple[tuple[Qpv, ...], str]:
    """The QPVs of a contract and the rule that gave them (see the module docstring)."""
    contract = contracts().get(code)
    if contract is None:
        return (), "unknown_contract"
    explicit = tuple(q for q in qpvs() if q.contract_code == code)
    if explicit:
        return explicit, "explicit"
    own = tuple(
        q
        for q in qpvs()
        if (contract.epci_siren and q.epci_siren == contract.epci_siren)
        or (contract.commune_insee and q.commune_insee == contract.commune_insee)
    )
    if own:
        return own, "epci"
    named = tuple(
        q
        for q in qpvs_of_department(contract.department)
        if q.commune_name and commune_in_name(q.commune_name, contract.name)
    )
    if named:
        return named, "commune_name"
    return (), "none"


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str

    @property
    def funder_code(self) -> str:
        return commune_funder_code(self.insee, self.name, "")


def commune_funder_code(insee: str, name: str, department: str) -> str:
    if insee:
        return f"COM-{insee}"
    slug = re.sub(r"[^A-Z0-9]+", "-", fold(name).upper()).strip("-")
    return f"COM-{department}-{slug}" if department else f"COM-{slug}"


def other_funder_code(name: str) -> str:
    """``AUTRE-<NAME>``: a body the text names that no rule knows, kept by its folded name."""
    slug = re.sub(r"[^A-Z0-9]+", "-", fold(name).upper()).strip("-")[:60].rstrip("-")
    return f"AUTRE-{slug}"


@dataclass(frozen=True)
class Territory:
    """What a document's contract says about its place: the codes its local funders take."""

    contract: Contract | None
    department: Department | None
    qpvs: tuple[Qpv, ...] = ()
    qpv_rule: str = "none"
    communes: tuple[Commune, ...] = ()
    # Acronyms the document itself gives the contract's EPCI ("... du Grand Narbonne (CAGN)").
    epci_acronyms: tuple[str, ...] = ()
    # Other bodies the document names with an acronym it defines: (acronym, name).
    bodies: tuple[tuple[str, str], ...] = ()

    def __hash__(self) -> int:
        # Hashed once: a territory keys the lexicon and QPV caches, looked up for every cell.
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = hash(
                (self.contract, self.department, self.qpvs, self.communes, self.epci_acronyms, self.bodies)
            )
            object.__setattr__(self, "_hash", cached)
        return cached

    @property
    def main_commune(self) -> Commune | None:
        return self.communes[0] if self.communes else None

    def code_for_role(self, role: str) -> str:
        """The funder code of a territorial role in this territory (the bare role when unknown)."""
        prefix = ROLE_PREFIX[role]
        dept = self.department
        if role == "departement":
            return f"DEP-{dept.code}" if dept else prefix
        if role == "caf":
            return f"CAF-{dept.code}" if dept else prefix
        if role == "region":
            return f"REG-{dept.region_code}" if dept and dept.region_code else prefix
        if role == "epci":
            if self.contract and self.contract.epci_siren:
                return f"EPCI-{self.contract.epci_siren}"
            return prefix
        commune = self.main_commune
        if commune is None:
            return prefix
        return commune_funder_code(commune.insee, commune.name, dept.code if dept else "")

    def commune_code(self, name: str) -> str:
        """The code of a commune this document names ("Ville de Narbonne")."""
        key = fold(name)
        for commune in self.communes:
            if fold(commune.name) == key:
                return commune_funder_code(commune.insee, commune.name, "")
        dept = self.department.code if self.department else ""
        for qpv in qpvs_of_department(dept) if dept else ():
            if fold(qpv.commune_name) == key and qpv.commune_insee:
                return f"COM-{qpv.commune_insee}"
        return commune_funder_code("", name, dept)


def territory_of(
    code: str | None,
    epci_acronyms: tuple[str, ...] = (),
    named_communes: tuple[str, ...] = (),
    bodies: tuple[tuple[str, str], ...] = (),
) -> Territory:
    """The territory of a contract (an empty one when the code is None or unknown)."""
    contract = contracts().get(code or "")
    if contract is None:
        return Territory(None, None, bodies=bodies)
    dept = departments().get(contract.department)
    found, rule = contract_qpvs(contract.code)
    communes: list[Commune] = []
    by_insee: dict[str, int] = {}
    if contract.commune_insee:
        name = next(
            (q.commune_name for q in found if q.commune_insee == contract.commune_insee), contract.bare_name
        )
        communes.append(Commune(contract.commune_insee, name))
    # The contract's communes, the one holding the most QPVs first (the "Ville" of its documents).
    for qpv in found:
        if qpv.commune_insee:
            by_insee[qpv.commune_insee] = by_insee.get(qpv.commune_insee, 0) + 1
    names = {q.commune_insee: q.commune_name for q in found}
    for insee, _count in sorted(by_insee.items(), key=lambda item: (-item[1], item[0])):
        if all(c.insee != insee for c in communes):
            communes.append(Commune(insee, names[insee]))
    for name in named_communes:
        if all(fold(c.name) != fold(name) for c in communes):
            insee = next(
                (
                    q.commune_insee
                    for q in qpvs_of_department(contract.department)
                    if fold(q.commune_name) == fold(name)
                ),
                "",
            )
            communes.append(Commune(insee, name))
    return Territory(contract, dept, found, rule, tuple(communes), epci_acronyms, bodies)
