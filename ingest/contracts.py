"""Which contrat de ville a document belongs to, read from the document and the national list.

Every contract of ``ref_contracts`` (both generations, about 830) is a candidate. The document is
searched for what names a contract, strongest first:

- ``title``: "Contrat de ville de/du ... X" where X begins with the contract's name, its place
  words ("Carcassonne Agglo", "Grand Narbonne") or one of its communes (the communes of its QPVs);
- ``name``: the contract's full name ("Montpellier Méditerranée Métropole");
- ``acronym``: the acronym of the national list ("COGA") or one the document defines for the
  contract's name ("Communauté d'Agglomération du Grand Narbonne (CAGN)");
- ``place``: the place words of the name ("Montpellier Méditerranée"), counted;
- ``commune``: "Ville de X", "commune de X" for a commune of the contract.

The two generations of one intercommunality (a CVnnn code and the CNdddnnX code that continues it) share their names: the years the
document speaks of decide (each generation's years in seed ref_contract_generations: ``_era``).
A user can say it instead (``cdv build --contract CODE`` or a ``cdv.toml`` next to the documents).
The result carries a confidence and the text that decided; two candidates too close to tell apart,
or none at all, leave the contract unknown and say so (an issue row, never a silent guess).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache, lru_cache

from ingest.reference import contract_generations, default_generation
from ingest.territories import (
    GENERIC_PLACE_WORDS,
    LEGAL_FORM_WORDS,
    STOPWORDS,
    Contract,
    Territory,
    contract_qpvs,
    contracts,
    initials_match,
    place_core,
    territory_of,
)
from ingest.text import fold

# Confidence of each rule when it decides alone.
CONFIDENCE = {
    "user": 1.0,
    "title": 0.95,
    "name": 0.9,
    "acronym": 0.85,
    "place": 0.75,
    "commune": 0.7,
    "qpv": 0.6,
}
SCORE = {"title": 10.0, "name": 6.0, "acronym": 5.0, "place": 3.0, "commune": 2.0, "qpv": 1.0}
# The best candidate must score this many times the next one (of another territory) to be taken,
# and at least MIN_SCORE unless a title, the full name or an acronym names it: a few mentions of a
# contract's place words ("Saint-Martin", a street of another town) are not enough.
MARGIN = 1.5
MIN_SCORE = 5.0
STRONG_RULES = frozenset({"title", "name", "acronym"})
# Lines searched for a title (the cover page and the first headings).
TITLE_LINES = 60


@dataclass(frozen=True)
class ContractMatch:
    code: str | None
    confidence: float
    rule: str  # user | title | name | acronym | place | commune | ambiguous | none
    evidence: str = ""
    line: int | None = None
    candidates: tuple[str, ...] = ()
    message: str = ""


@dataclass
class _Evidence:
    score: float = 0.0
    best_rule: str = ""
    best_score: float = 0.0
    text: str = ""
    line: int | None = None
    rules: set[str] = field(default_factory=set)
    qpv_names: int = 0

    def add(self, rule: str, points: float, text: str, line: int | None) -> None:
        self.rules.add(rule)
        self.score += points
        if SCORE[rule] > self.best_score:
            self.best_rule, self.best_score, self.text, self.line = rule, SCORE[rule], text, line


@dataclass(frozen=True)
class _Keys:
    contract: Contract
    full: str  # the folded bare name
    core: str  # the place words
    acronyms: tuple[str, ...]
    communes: tuple[str, ...]  # folded commune names of the contract's QPVs (and its own commune)
    qpv_names: tuple[str, ...]  # folded names of its QPVs, of two words or more


def _distinctive(phrase: str) -> bool:
    words = [w for w in phrase.split() if w not in STOPWORDS]
    if not words:
        return False
    if len(words) == 1:
        return len(words[0]) >= 4 and words[0] not in GENERIC_PLACE_WORDS | LEGAL_FORM_WORDS
    return True


@cache
def _all_keys() -> tuple[_Keys, ...]:
    keys = []
    for contract in contracts().values():
        found, _rule = contract_qpvs(contract.code)
        communes = {fold(q.commune_name) for q in found if q.commune_name}
        if contract.commune_insee:
            communes.add(fold(contract.bare_name))
        core = place_core(contract.name)
        keys.append(
            _Keys(
                contract,
                fold(contract.bare_name),
                core if _distinctive(core) else "",
                contract.acronyms,
                tuple(sorted(c for c in communes if _distinctive(c))),
                tuple(sorted({n for n in (_qpv_key(q.name) for q in found) if len(n.split()) >= 2})),
            )
        )
    return tuple(keys)


def _without_legal_form(name: str) -> str:
    """A title's name without the legal form and linking words it opens with ("communaute d
    agglomeration beziers mediterranee" -> "beziers mediterranee")."""
    tokens = name.split()
    while tokens and (tokens[0] in LEGAL_FORM_WORDS or tokens[0] in STOPWORDS):
        tokens.pop(0)
    return " ".join(tokens)


def _qpv_key(name: str) -> str:
    return " ".join(t for t in fold(name).split() if t not in ("quartier", "quartiers", "qpv", "zus"))


_LONGEST_TITLE_PHRASE = 12


@cache
def _PHRASES_BY_FIRST_WORD() -> dict[str, tuple[tuple[str, str, str], ...]]:  # noqa: N802 - a cached table
    """Indexing word -> (kind, phrase, contract) for every name (with a legal form), place words,
    commune and QPV name of the national list: a document is checked only for the phrases whose
    longest word it holds."""
    index: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for key in _all_keys():
        code = key.contract.code
        entries = [("place", key.core)] + [("commune", c) for c in key.communes]
        entries += [("qpv", n) for n in key.qpv_names]
        # A name without a legal form ("Saint-Martin", a commune's contract) is only its place words.
        if key.full != key.core and _distinctive(key.full):
            entries.append(("name", key.full))
        for kind, phrase in entries:
            if phrase:
                index[_index_word(phrase)].append((kind, phrase, code))
    return {word: tuple(rows) for word, rows in index.items()}


def _index_word(phrase: str) -> str:
    """The word a phrase is indexed by: its longest, the least common ("ca carcassonne agglo" ->
    "carcassonne"), so that a document is checked for few phrases."""
    return max(phrase.split(), key=len)


@cache
def _CODES_BY_ACRONYM() -> dict[str, tuple[str, ...]]:  # noqa: N802 - a cached table
    index: dict[str, list[str]] = defaultdict(list)
    for key in _all_keys():
        for acronym in key.acronyms:
            index[acronym].append(key.contract.code)
    return {acronym: tuple(codes) for acronym, codes in index.items()}


@cache
def _CODES_BY_QPV_NAME() -> dict[str, tuple[str, ...]]:  # noqa: N802 - a cached table
    index: dict[str, list[str]] = defaultdict(list)
    for key in _all_keys():
        for name in key.qpv_names:
            index[name].append(key.contract.code)
    return {name: tuple(codes) for name, codes in index.items()}


@cache
def _title_phrases() -> dict[str, tuple[str, ...]]:
    """Each phrase a title can name a contract by (full name, place words, communes) -> the contracts."""
    index: dict[str, list[str]] = defaultdict(list)
    for key in _all_keys():
        for phrase in {key.full, key.core, *key.communes}:
            if phrase and len(phrase.split()) <= _LONGEST_TITLE_PHRASE:
                index[phrase].append(key.contract.code)
    return {phrase: tuple(codes) for phrase, codes in index.items()}


def _CAPITALS_AT(text: str, acronym: str) -> int:  # noqa: N802 - the offset of a _CAPITALS token
    match = re.search(rf"(?<![\w]){re.escape(acronym)}(?![\w])", text)
    return match.start() if match else 0


def _whole_word_offsets(text: str, phrase: str) -> list[int]:
    """Where a folded phrase stands in a folded text as whole words (str.find, faster than a regex
    with look-arounds over a whole document)."""
    offsets = []
    start = text.find(phrase)
    while start != -1:
        end = start + len(phrase)
        if (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            offsets.append(start)
        start = text.find(phrase, start + 1)
    return offsets


_TITLE = re.compile(
    r"contrat\s+(?:unique\s+)?de\s+ville\s+(?:et\s+de\s+cohesion\s+urbaine\s+)?"
    r"(?:engagements?\s+quartiers\s+2030\s+)?(?:\d{4}\s+\d{4}\s+)?(?:de\s+l\s+|de\s+la\s+|du\s+|des\s+|de\s+|d\s+)?"
    r"(?P<name>[a-z0-9][a-z0-9 ]{2,120})"
)
_ACRONYM_PAREN = re.compile(r"\(\s*(?P<acronym>[A-Z][A-Z0-9&]{1,9})\s*\)")
_EXPANSION_STOP = re.compile(r"[.;:,()«»\t\n<>*\[\]|/\\]")
_CAPITAL_START = re.compile(r"[A-ZÀ-Ý]")
_YEAR_WORD = re.compile(r"\b(20[1-3][0-9])\b")
_CAPITALS = re.compile(r"(?<![\w])[A-Z][A-Z0-9&]{1,9}(?![\w])")
_COMMUNE_CUE = re.compile(
    r"(?:ville|commune|mairie)\s+(?:de\s+l\s+|de\s+la\s+|du\s+|de\s+|d\s+)(?P<name>[a-z][a-z ]{2,60})"
)


@lru_cache(maxsize=8)
def defined_acronyms(text: str) -> dict[str, str]:
    """Acronyms a document defines: "Communauté d'Agglomération du Grand Narbonne (CAGN)" ->
    {"CAGN": "Communauté d'Agglomération du Grand Narbonne"} (the words before the parenthesis,
    back to the punctuation before them, from their first capital letter; at most twelve words)."""
    found: dict[str, str] = {}
    for match in _ACRONYM_PAREN.finditer(text):
        before = text[max(0, match.start() - 160) : match.start()]
        tail = _EXPANSION_STOP.split(before)[-1]
        capital = _CAPITAL_START.search(tail)
        if capital is None:
            continue
        words = tail[capital.start() :].strip(" -–'’").split()
        expansion = " ".join(words[-12:])
        if len(expansion) >= 6:
            found.setdefault(match["acronym"], expansion)
    return found


def epci_acronyms(text: str, contract: Contract | None) -> tuple[str, ...]:
    """Acronyms of the contract's EPCI: the national list's, and those the document defines for its name."""
    if contract is None:
        return ()
    found = list(contract.acronyms)
    core = place_core(contract.name)
    for acronym, expansion in defined_acronyms(text).items():
        folded = fold(expansion)
        if acronym in found:
            continue
        names_the_epci = (core and core in folded) or fold(contract.bare_name) in folded
        if names_the_epci and (
            any(w in LEGAL_FORM_WORDS for w in folded.split()) or initials_match(acronym, expansion)
        ):
            found.append(acronym)
    return tuple(found)


def _era(text: str) -> str | None:
    """The generation ('2015-2023') whose years a document speaks of most (the older one on a tie);
    None when it names none. A generation's years run from the year before its start (diagnostics)
    to the year before the next generation's start; the last one's to the year after its end."""
    generations = contract_generations()
    counts = dict.fromkeys((g.generation for g in generations), 0)
    for year, count in Counter(_YEAR_WORD.findall(text)).items():
        value = int(year)
        for index, generation in enumerate(generations):
            last = (
                generations[index + 1].period_start - 2
                if index + 1 < len(generations)
                else generation.period_end + 1
            )
            if generation.period_start - 1 <= value <= last:
                counts[generation.generation] += count
                break
    if not any(counts.values()):
        return None
    return max(generations, key=lambda g: (counts[g.generation], -g.period_start)).generation


def recognise_contract(text: str, hint: str | None = None) -> ContractMatch:
    """The contract of a document (see the module docstring)."""
    if hint:
        code = hint.strip().upper()
        if code in contracts():
            return ContractMatch(code, CONFIDENCE["user"], "user", f"given by the user: {code}")
        return ContractMatch(
            None,
            0.0,
            "none",
            f"given by the user: {code}",
            message=f"the contract given, {code}, is not in ref_contracts: the document's contract is unknown",
        )
    lines = text.split("\n")
    folded_lines = [fold(line) for line in lines]
    folded = "\n".join(folded_lines)
    evidence: dict[str, _Evidence] = defaultdict(_Evidence)
    # What the document holds, gathered once (a national list of ~830 contracts is checked against it):
    # its words, its upper-case tokens, its "Ville de X" cues, its titles.
    words = set(folded.split())
    capitals = Counter(_CAPITALS.findall(text))
    cues = [(m["name"], m.start()) for m in _COMMUNE_CUE.finditer(folded)]
    titles = [
        (number, match)
        for number, line in enumerate(folded_lines, start=1)
        if "contrat" in line
        for match in _TITLE.finditer(line)
    ]

    phrases = _title_phrases()
    for number, match in titles:
        weight = 1.0 if number <= TITLE_LINES else 0.5
        named: set[str] = set()
        for candidate in sorted({match["name"], _without_legal_form(match["name"])}):
            tokens = candidate.split()
            for length in range(1, min(len(tokens), _LONGEST_TITLE_PHRASE) + 1):
                named.update(phrases.get(" ".join(tokens[:length]), ()))
        for code in sorted(named):
            evidence[code].add("title", SCORE["title"] * weight, lines[number - 1].strip(), number)

    # Names, place words, communes and QPV names: only those whose longest word the document holds.
    found_phrases: dict[tuple[str, str], list[int]] = {}  # (kind, phrase) -> match offsets
    for word in sorted(words & _PHRASES_BY_FIRST_WORD().keys()):
        for kind, phrase, _code in _PHRASES_BY_FIRST_WORD()[word]:
            if (kind, phrase) not in found_phrases and words.issuperset(phrase.split()) and phrase in folded:
                found_phrases[(kind, phrase)] = _whole_word_offsets(folded, phrase)
    for word in sorted(words & _PHRASES_BY_FIRST_WORD().keys()):
        for kind, phrase, code in _PHRASES_BY_FIRST_WORD()[word]:
            offsets = found_phrases.get((kind, phrase))
            if not offsets:
                continue
            first = offsets[0]
            if kind == "name":
                evidence[code].add(
                    "name", SCORE["name"], _line_text(lines, folded, first), _line_no(folded, first)
                )
            elif kind == "place":
                points = SCORE["place"] + min(len(offsets), 10) * 0.3
                evidence[code].add("place", points, _line_text(lines, folded, first), _line_no(folded, first))
            elif kind == "commune":
                cue = next((at for name, at in cues if name == phrase or name.startswith(phrase + " ")), None)
                if cue is not None:
                    evidence[code].add(
                        "commune", SCORE["commune"], _line_text(lines, folded, cue), _line_no(folded, cue)
                    )
    for acronym in sorted(capitals.keys() & _CODES_BY_ACRONYM().keys()):
        at = _CAPITALS_AT(text, acronym)
        for code in _CODES_BY_ACRONYM()[acronym]:
            evidence[code].add("acronym", SCORE["acronym"], _line_text(lines, text, at), _line_no(text, at))
    # An acronym the document defines for a contract's name ("... du Grand Narbonne (CAGN)").
    for acronym, expansion in defined_acronyms(text).items():
        if capitals.get(acronym, 0) < 2 or acronym in _CODES_BY_ACRONYM():
            continue
        folded_expansion = fold(expansion)
        expansion_words = set(folded_expansion.split())
        for word in sorted(expansion_words & _PHRASES_BY_FIRST_WORD().keys()):
            for kind, phrase, code in _PHRASES_BY_FIRST_WORD()[word]:
                if kind == "place" and phrase in folded_expansion and initials_match(acronym, expansion):
                    evidence[code].add("acronym", SCORE["acronym"], f"{expansion} ({acronym})", None)
    # QPV names corroborate a contract already named.
    for (kind, phrase), offsets in found_phrases.items():
        if kind != "qpv" or not offsets:
            continue
        for code in _CODES_BY_QPV_NAME().get(phrase, ()):
            if code in evidence and evidence[code].qpv_names < 3:
                evidence[code].qpv_names += 1
                evidence[code].add("qpv", SCORE["qpv"], phrase, None)
    if not evidence:
        return ContractMatch(
            None,
            0.0,
            "none",
            message="no contrat de ville of ref_contracts is named in the document (title, name, acronym, "
            "communes): its contract is unknown; give it with --contract or a cdv.toml",
        )
    era = _era(text)
    ranked = []
    for code, found in evidence.items():
        contract = contracts()[code]
        score = found.score + (2.0 if era and contract.generation == era else 0.0)
        if era is None and contract.generation == default_generation().generation:
            score += 0.5
        ranked.append((score, code, found))
    ranked.sort(key=lambda item: (-item[0], item[1]))
    best_score, best_code, best = ranked[0]
    best_contract = contracts()[best_code]
    # The runner-up of another territory (not the other generation of the same EPCI or commune).
    rivals = [
        (score, code)
        for score, code, _ in ranked[1:]
        if _territory_of(contracts()[code]) != _territory_of(best_contract)
    ]
    if not (best.rules & STRONG_RULES) and best_score < MIN_SCORE:
        return ContractMatch(
            None,
            0.0,
            "none",
            best.text,
            best.line,
            (best_code,),
            f"no contract is named clearly: {best_code} ({best_contract.name}) only by its {best.best_rule} "
            f"(score {best_score:.1f} < {MIN_SCORE}); give the contract with --contract or a cdv.toml",
        )
    confidence = CONFIDENCE[best.best_rule]
    if len(best.rules) > 1:
        confidence = min(0.99, confidence + 0.04)
    if rivals and best_score < MARGIN * rivals[0][0]:
        candidates = (best_code, rivals[0][1])
        return ContractMatch(
            None,
            0.0,
            "ambiguous",
            best.text,
            best.line,
            candidates,
            f"two contracts fit the document equally well: {best_code} ({best_contract.name}, score "
            f"{best_score:.1f}) and {rivals[0][1]} ({contracts()[rivals[0][1]].name}, score {rivals[0][0]:.1f}); "
            "give the contract with --contract or a cdv.toml",
        )
    if rivals:
        confidence = min(confidence, round(0.5 + 0.5 * (1 - rivals[0][0] / best_score), 2) + 0.3)
    return ContractMatch(
        best_code,
        round(confidence, 2),
        best.best_rule,
        best.text[:300],
        best.line,
        tuple(code for _, code in rivals[:3]),
    )


def _territory_of(contract: Contract) -> str:
    return contract.epci_siren or contract.commune_insee or contract.code


def _line_no(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _line_text(lines: list[str], text: str, position: int) -> str:
    number = _line_no(text, position)
    return lines[number - 1].strip() if 0 < number <= len(lines) else ""


_VILLE_DE = re.compile(
    r"(?<![\w])(?:Ville|VILLE|Commune|Mairie)\s+(?:de\s+la\s+|de\s+l['’]\s*|du\s+|des\s+|de\s+|d['’]\s*)"
    r"(?P<name>[A-ZÉÈÀÂÎÔ][\w'’]*(?:[\s\-]+(?:(?:sur|sous|en|de|du|des|la|le|les|lès|lez|et|d['’]|l['’])[\s\-]*)*"
    r"[A-ZÉÈÀÂÎÔ][\w'’]*)*)"
)


def document_territory(text: str, match: ContractMatch) -> Territory:
    """The territory a document's funders and QPVs are read on: its contract's, with the acronyms the
    document defines for the EPCI and for other bodies, and the communes it names ("Ville de X")."""
    from ingest.funders import other_bodies  # the body rule lives with the funder vocabulary

    contract = contracts().get(match.code or "")
    named = tuple(dict.fromkeys(m["name"] for m in _VILLE_DE.finditer(text)))
    bodies = []
    for acronym, expansion in defined_acronyms(text).items():
        found = [b for b in other_bodies(expansion, []) if b.end >= len(expansion.rstrip()) - 1]
        if found:
            bodies.append((acronym, found[-1].alias))
    return territory_of(match.code, epci_acronyms(text, contract), named, tuple(bodies))
