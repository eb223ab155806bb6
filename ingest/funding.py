"""Reading funding cells into funding lines: who puts which amount into an action.

The rules by which the genre's money is read:

1. A cell is cut into *clauses*, one per amount that is a funding line. Amounts that
   only describe another are attached to it, never counted as lines: the gross of a
   QPV share (``62 000 € * 20% de QPV = 12 400 €``: the line is 12 400), the parts of
   a breakdown (``15 000 € = 12 000 € ... et 3 000 € ...``), a per-unit rate
   (``6 000 € sur 2 jours : 3 000 € / jour``) and an "of which" part (``(dont ... <montant>)``).
   Where the document shows its arithmetic, it is checked and a mismatch is an issue.
2. The funder of a clause is, in order: a funder the clause names (``DIRECCTE :``);
   a funder its wording points to (``échelle départementale``, ``rSa``, or the footnote
   its ``**`` marker refers to); a dispositif whose usual funder is exclusive
   (``garantie jeunes`` is the State's even after ``ACSE/DRJSCS :``); the funder named
   earlier in the same cell; any other dispositif's usual funder; the column's header.
   ``funder_rule`` records which rule decided, ``confidence`` how sure it is.
3. Years come from the clause's own words, else from words at the head of the cell that
   govern all its items (``Budget 2015 relatif aux structures existantes : ACI : ...``),
   else from the fiche's calendar (the part of it about this sub-action when it says so),
   else they are left to the contract period downstream.
4. Cells, or trailing parts of cells, that commit a funder without an amount (in kind,
   FTE, "à évaluer", "négociation à venir", a bare funder name) are *pledges*, kept apart
   from the funding lines.

Funders, their aliases and wording cues, and dispositifs come from the seeds
(``ref_funder_aliases``, ``ref_dispositif_aliases``, ``ref_dispositifs``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ingest.amounts import AmountMatch, find_amounts
from ingest.codes import UNKNOWN_FUNDER
from ingest.funders import Lexicon, Mention, is_within, lexicon, role_of
from ingest.qualifiers import Qualifiers, read_period, read_qualifiers, read_scope
from ingest.territories import Territory
from ingest.territory import resolve

# "62 000 € * 20% de QPV = 12 400 €", "80 000 € par an × 25 % QPV = 20 000 €": a share of a gross.
_SHARE_AFTER = re.compile(
    r"^\s*(?:(?:par\s+an|/\s*an|annuels?)\s*)?[*x×]\s*(?P<pct>\d+(?:[.,]\d+)?)\s*%[^=€\d]{0,40}(?:=|soit)\s*:?\s*$",
    re.IGNORECASE,
)
# "(90 000 €) = 45 000 €": a gross in parentheses, then the share.
_PAREN_GROSS_AFTER = re.compile(r"^\s*\)\s*(?:=|soit)\s*:?\s*$", re.IGNORECASE)
# "... soit 100 000 €": the second amount restates the first (a share of it, its total, the same).
_SOIT_AFTER = re.compile(r"^\s*(?:(?:par\s+an|/\s*an)\s*)?[,;]?\s*soit\s*:?\s*$", re.IGNORECASE)
# "40 % de 250 000 €": the share rate written before the gross.
_PCT_BEFORE = re.compile(r"(?P<pct>\d+(?:[.,]\d+)?)\s*%\s*(?:de|du|des|d['’])?\s*$", re.IGNORECASE)
_BREAKDOWN_AFTER = re.compile(r"^\s*=\s*$")
_UNIT_WORDS = (
    r"jour|journ[ée]e|mois|heure|s[ée]ance|semaine|personne|b[ée]n[ée]ficiaire|participant|enfant|jeune"
    r"|famille|[ée]l[èe]ve|stagiaire|habitant|logement|place|atelier|poste|session|m[ée]nage|parcours"
)
_UNITS = rf"(?P<unit>(?:{_UNIT_WORDS})s?)"
_OVER_UNITS_AFTER = re.compile(rf"^\s*sur\s+(?P<count>\d+)\s+{_UNITS}\s*[:=]?\s*$", re.IGNORECASE)
_PER_UNIT_SUFFIX = re.compile(rf"^\s*(?:/|par)\s*(?P<unit>{_UNIT_WORDS})s?\b", re.IGNORECASE)
# "30 € par participant, soit 4 500 €": a rate, then the total it makes (one line: the total).
_RATE_SOIT_AFTER = re.compile(
    rf"^\s*(?:/|par)\s*(?P<unit>{_UNIT_WORDS})s?\b[^€\d]{{0,30}}?[,;]?\s*(?:soit|=)\s*:?\s*$", re.IGNORECASE
)
_PARENS = re.compile(r"\([^()]*\)")
_DONT = re.compile(r"^\(\s*dont\b", re.IGNORECASE)
_FOOTNOTE_MARK = re.compile(r"(\*\*|\(\d\))\s*$")
# Words that end an amount's own suffix: what follows belongs to the next item.
_SUFFIX_STOP = re.compile(r"\bpuis\b|\s-\s|;|\s\d+\s*-\s|\s+[A-Z][A-Za-z]+\s*:", re.IGNORECASE)


@dataclass
class Clause:
    """One funding line in the making: its amount, the amounts attached to it, its text span."""

    amount: AmountMatch
    start: int
    end: int
    label_end: int
    gross: AmountMatch | None = None
    share_rate: Decimal | None = None
    parts: list[AmountMatch] = field(default_factory=list)
    rate: AmountMatch | None = None
    rate_unit: str | None = None
    unit_count: int | None = None  # "6 000 € sur 2 jours": the rate's units the amount covers
    dont: list[AmountMatch] = field(default_factory=list)
    restated: AmountMatch | None = None  # "15 000 € par an soit 90 000 €": said again, not a second line


@dataclass
class CellReading:
    lines: list[dict[str, Any]] = field(default_factory=list)
    pledges: list[dict[str, Any]] = field(default_factory=list)
    issues: list[tuple[str, str, str]] = field(default_factory=list)  # severity, rule, message


def _owned_suffix_end(text: str, start: int, limit: int, mentions: list[Mention]) -> int:
    """Where the words that qualify an amount end: before the next item's label starts."""
    stop = limit
    for mention in mentions:
        if not start <= mention.start < stop:
            continue
        # A name before the next amount is that amount's label; after the last amount, a name is
        # a new item only when it labels something ("CDC: à évaluer"), else it qualifies this one
        # ("... sous réserve de validation par l'Assemblée Départementale").
        if limit < len(text) or re.match(r"\s*[:=]", text[mention.end :]):
            stop = mention.start
            break
    window = text[start:stop]
    cut = _SUFFIX_STOP.search(window)
    # A parenthesis right after the amount is its own, even when it contains stop words.
    paren = re.match(r"^\s*(?:\([^()]*\)\s*)+", window)
    if cut and not (paren and cut.start() < paren.end()):
        stop = start + cut.start()
    elif cut and paren:
        rest = _SUFFIX_STOP.search(window, paren.end())
        stop = start + rest.start() if rest else stop
    return stop


def _in_dont_paren(text: str, amount: AmountMatch) -> bool:
    for paren in _PARENS.finditer(text):
        if paren.start() < amount.start and amount.end <= paren.end() and _DONT.match(paren.group(0)):
            return True
    return False


def build_clauses(
    text: str, amounts: list[AmountMatch], mentions: list[Mention]
) -> tuple[list[Clause], list[AmountMatch]]:
    """Group amounts into clauses; returns the clauses and the amounts that are rates on their own."""
    clauses: list[Clause] = []
    lone_rates: list[AmountMatch] = []
    i = 0
    cursor = 0
    while i < len(amounts):
        amount = amounts[i]
        nxt = amounts[i + 1] if i + 1 < len(amounts) else None
        between = text[amount.end : nxt.start] if nxt else ""
        if _in_dont_paren(text, amount) and clauses:
            clauses[-1].dont.append(amount)
            clauses[-1].end = max(clauses[-1].end, _paren_end(text, amount))
            cursor = clauses[-1].end
            i += 1
            continue
        if nxt and (rate_soit := _RATE_SOIT_AFTER.match(between)):
            clause = Clause(nxt, cursor, nxt.end, amount.start, rate=amount, rate_unit=rate_soit["unit"])
            i += 2
        elif nxt and _PAREN_GROSS_AFTER.match(between) and _in_paren(text, amount):
            clause = Clause(nxt, cursor, nxt.end, amount.start, gross=amount)
            i += 2
        elif nxt and _SOIT_AFTER.match(between):
            pct = _PCT_BEFORE.search(text[cursor : amount.start])
            if nxt.value < amount.value:
                clause = Clause(
                    nxt,
                    cursor,
                    nxt.end,
                    pct.start() + cursor if pct else amount.start,
                    gross=amount,
                    share_rate=Decimal(pct["pct"].replace(",", ".")) if pct else None,
                )
            else:
                # The same amount restated, or a total over the years of a yearly amount: one line.
                clause = Clause(amount, cursor, nxt.end, amount.start, restated=nxt)
            i += 2
        elif nxt and (share := _SHARE_AFTER.match(between)):
            clause = Clause(
                nxt,
                cursor,
                nxt.end,
                amount.start,
                gross=amount,
                share_rate=Decimal(share["pct"].replace(",", ".")),
            )
            i += 2
        elif (
            nxt
            and (over := _OVER_UNITS_AFTER.match(between))
            and (unit := _PER_UNIT_SUFFIX.match(text[nxt.end :]))
        ):
            clause = Clause(
                amount,
                cursor,
                nxt.end + unit.end(),
                amount.start,
                rate=nxt,
                rate_unit=unit["unit"],
                unit_count=int(over["count"]),
            )
            i += 2
        elif nxt and _BREAKDOWN_AFTER.match(between):
            clause = Clause(amount, cursor, amount.end, amount.start)
            total = Decimal(0)
            j = i + 1
            while j < len(amounts) and total < amount.value:
                if j > i + 1 and any(
                    amounts[j - 1].end <= m.start < amounts[j].start
                    for m in mentions
                    if m.kind != "dispositif"
                ):
                    break
                clause.parts.append(amounts[j])
                total += amounts[j].value
                j += 1
            clause.end = clause.parts[-1].end if clause.parts else amount.end
            i = j
        else:
            if _PER_UNIT_SUFFIX.match(text[amount.end :]):
                lone_rates.append(amount)
                i += 1
                continue
            clause = Clause(amount, cursor, amount.end, amount.start)
            i += 1
        limit = amounts[i].start if i < len(amounts) else len(text)
        clause.end = _owned_suffix_end(text, clause.end, limit, mentions)
        # A "(dont ...)" right after belongs to this clause whatever the stop words inside it.
        if i < len(amounts) and _in_dont_paren(text, amounts[i]):
            clause.end = max(clause.end, amounts[i].start)
        clauses.append(clause)
        cursor = clause.end
    return clauses, lone_rates


def _in_paren(text: str, amount: AmountMatch) -> bool:
    return any(p.start() < amount.start and amount.end <= p.end() for p in _PARENS.finditer(text))


def _dont_part(text: str, part: AmountMatch, territory: Territory) -> dict[str, Any]:
    """An "of which" part: its amount, its words and the one QPV they name (None when they name no
    QPV, or several)."""
    words = next(
        (p.group(0) for p in _PARENS.finditer(text) if p.start() < part.start and part.end <= p.end()),
        text[part.start : part.end],
    )
    named = [m.qpv_code for m in resolve(words, territory) if m.qpv_code.startswith("Q")]
    return {"amount_eur": part.value, "qpv_code": named[0] if len(named) == 1 else None, "part_text": words}


def _paren_end(text: str, amount: AmountMatch) -> int:
    for paren in _PARENS.finditer(text):
        if paren.start() < amount.start and amount.end <= paren.end():
            return paren.end()
    return amount.end


@dataclass(frozen=True)
class CellContext:
    column_header: str | None
    row_type: str
    territory: Territory
    calendar: tuple[int | None, int | None, str] = (None, None, "")
    note: str | None = None
    # The headers of the columns left and right of the cell's (a cell collapsed one column off).
    neighbour_headers: tuple[str | None, ...] = ()


def _footnote_funder(cell_text: str, note: str | None, lex: Lexicon) -> Mention | None:
    mark = _FOOTNOTE_MARK.search(cell_text)
    # The note must open with the cell's own marker ("**", "(1)"), escaped or not.
    if not note or not mark or not note.replace("\\", "").lstrip().startswith(mark.group(1)):
        return None
    funders = [m for m in lex.mentions(note) if m.kind != "dispositif"]
    # The footnote's payer is the funder it says finances something ("financements du Département"),
    # not another one it merely names ("proposé par la Direccte").
    financing = [
        m
        for m in funders
        if re.search(
            r"financ\w*\s+(?:d[eu]\s+|de\s+la\s+|par\s+)?(?:l['’]\s*)?$",
            note[max(0, m.start - 30) : m.start],
            re.IGNORECASE,
        )
    ]
    if financing:
        return financing[0]
    return funders[-1] if funders else None


# How sure a funder reading is, by the rule that decided it (funding_lines.confidence; the column docs
# in models/staging/documents/_documents__sources.yml give the same table). An amount read with doubt
# lowers its line's confidence to the amount's own (ingest.amounts).
FUNDER_CONFIDENCE = {
    "column": 0.95,  # the funder of the table's column
    "named": 0.9,  # the cell names the funder
    "dispositif_exclusive": 0.9,  # a dispositif only one funder pays
    "inherited": 0.9,  # named earlier in the same cell
    "wording": 0.85,  # the wording points to a funder ("à la charge de", "financé par")
    "dispositif": 0.8,  # the usual funder of a dispositif several may pay
    "footnote": 0.75,  # the table's footnote names it
    "column_shifted": 0.6,  # the next column's funder, empty cells having collapsed the row
    "none": 0.3,  # no rule decided: NON_IDENTIFIE
}


def _decide_funder(
    clause_mentions: list[Mention],
    label_mentions: list[Mention],
    inherited: Mention | None,
    footnote: Mention | None,
    column: Mention | None,
    lex: Lexicon,
    neighbours: tuple[Mention | None, ...] = (),
) -> tuple[str, str, str, float, Mention | None]:
    """(funder_code, funder_rule, funder_source, confidence, deciding mention), decided in this order:
    named > wording > footnote > a dispositif only one funder pays > named earlier in the cell
    > the column (made more precise by a dispositif its funder's services pay: "État" + CAE is the
    DIRECCTE; corrected to the next column when the dispositif is never its funder's and empty cells
    collapsed the row: "CDDI" under "CAF", one off from "CD") > the usual funder of a dispositif
    several funders pay."""
    named = [m for m in label_mentions if m.kind in ("name", "acronym")]
    if named:
        return named[-1].code, "named", "text", 1.0, named[-1]
    named_after = [m for m in clause_mentions if m.kind in ("name", "acronym")]
    if named_after:
        return named_after[0].code, "named", "text", FUNDER_CONFIDENCE["named"], named_after[0]
    hints = [m for m in clause_mentions if m.kind == "hint"]
    if hints:
        return hints[-1].code, "wording", "text", FUNDER_CONFIDENCE["wording"], hints[-1]
    if footnote is not None:
        return footnote.code, "footnote", "text", FUNDER_CONFIDENCE["footnote"], footnote
    dispositifs = [m for m in label_mentions if m.kind == "dispositif" and lex.usual(m.code)[0]]
    exclusive = [m for m in dispositifs if lex.usual(m.code)[1]]
    if exclusive:
        return (
            lex.usual(exclusive[-1].code)[0],
            "dispositif",
            "dispositif",
            FUNDER_CONFIDENCE["dispositif_exclusive"],
            exclusive[-1],
        )
    if inherited is not None:
        return inherited.code, "inherited", "text", FUNDER_CONFIDENCE["inherited"], inherited
    if column is not None:
        named_dispositif = next((m for m in reversed(label_mentions) if m.kind == "dispositif"), None)
        if named_dispositif is not None:
            usual = lex.usual(named_dispositif.code)[0]
            if usual and usual != column.code and is_within(usual, column.code):
                return usual, "dispositif", "dispositif", FUNDER_CONFIDENCE["dispositif"], named_dispositif
            if not lex.funds(named_dispositif.code, column.code):
                shifted = next(
                    (n for n in neighbours if n is not None and lex.funds(named_dispositif.code, n.code)),
                    None,
                )
                if shifted is not None:
                    return (
                        shifted.code,
                        "column_shifted",
                        "column",
                        FUNDER_CONFIDENCE["column_shifted"],
                        shifted,
                    )
        return column.code, "column", "column", FUNDER_CONFIDENCE["column"], column
    if dispositifs:
        return (
            lex.usual(dispositifs[-1].code)[0],
            "dispositif",
            "dispositif",
            FUNDER_CONFIDENCE["dispositif"],
            dispositifs[-1],
        )
    return UNKNOWN_FUNDER, "none", "column", FUNDER_CONFIDENCE["none"], None


def _years(
    own: Qualifiers, head: Qualifiers | None, calendar: tuple[int | None, int | None, str]
) -> tuple[int | None, int | None, str, str]:
    if own.year_start:
        return own.year_start, own.year_end, "amount", own.year_text
    if head is not None and head.year_start:
        return head.year_start, head.year_end, "amount", head.year_text
    if calendar[0]:
        return calendar[0], calendar[1], "calendar", calendar[2]
    return None, None, "contract", ""


def read_cell(text: str, context: CellContext) -> CellReading:
    """Funding lines and pledges of one cell; never raises on odd text."""
    lex = lexicon(context.territory)
    reading = CellReading()
    amounts = []
    for amount in find_amounts(text):
        if amount.value > 0:
            amounts.append(amount)
        else:
            # "0 €" is no money: a funding line is an amount a funder puts in.
            reading.issues.append(
                ("warning", "zero_amount", f"'{amount.text}' is no money: not a funding line")
            )
    mentions = lex.mentions(text)
    column = lex.column_funder(context.column_header)
    neighbours = tuple(lex.column_funder(header) for header in context.neighbour_headers)
    clauses, lone_rates = build_clauses(text, amounts, mentions)
    footnote = _footnote_funder(text, context.note, lex)
    for rate in lone_rates:
        reading.issues.append(
            (
                "info",
                "rate_without_total",
                f"a per-unit rate '{rate.text}' with no total: kept out of the funding lines",
            )
        )
    head: Qualifiers | None = None
    # Words at the head of the cell govern all its items ("Actions ... menées à l'échelle
    # départementale : - Pôle ... : 70 000 € - Remise à niveau : 63 000 €").
    head_scope = "qpv"
    if clauses:
        head_text = text[clauses[0].start : clauses[0].label_end]
        head_label = read_qualifiers(head_text)
        head = head_label if head_label.year_start or head_label.is_estimate else None
        head_scope = read_scope(head_text)
    inherited: Mention | None = None
    for index, clause in enumerate(clauses):
        span = text[clause.start : clause.end]
        label_mentions = [m for m in mentions if clause.start <= m.start < clause.label_end]
        clause_mentions = [m for m in mentions if clause.start <= m.start < clause.end]
        funder, rule, source, confidence, decided_by = _decide_funder(
            clause_mentions, label_mentions, inherited, footnote, column, lex, neighbours
        )
        # The next item without a funder of its own continues the funder the text gave this one
        # ("DIRECCTE : CIVIS= ... Allocation CIVIS : ..."), or that a dispositif which only one funder pays
        # switched to ("garantie jeunes : 108 800€ ... allocation= 170 000€"); a column, or a dispositif
        # several funders share, is not carried over.
        carries = rule in ("named", "wording", "footnote", "inherited") or (
            rule == "dispositif" and decided_by is not None and lex.usual(decided_by.code)[1]
        )
        if carries:
            inherited = Mention(
                clause.start,
                clause.end,
                funder,
                "inherited",
                decided_by.alias if decided_by else funder,
                decided_by.name if decided_by else None,
            )
        own = read_qualifiers(span)
        year_start, year_end, year_source, year_text = _years(own, head if index else None, context.calendar)
        is_estimate = own.is_estimate or bool(head and head.is_estimate)
        amount = clause.amount
        confidence = min(confidence, amount.confidence)
        if amount.malformed:
            reading.issues.append(
                (
                    "warning",
                    "malformed_amount",
                    f"'{amount.text}' read as {amount.value} € with low confidence: {amount.note}",
                )
            )
        if rule == "column_shifted":
            reading.issues.append(
                (
                    "warning",
                    "column_shift_corrected",
                    f"'{amount.text}' sits under '{context.column_header}', whose funder never pays "
                    f"'{label_mentions[-1].alias if label_mentions else 'this'}': read as the next column's "
                    f"({decided_by.alias if decided_by else funder}), the row having lost an empty cell; "
                    "confidence lowered",
                )
            )
        if funder == UNKNOWN_FUNDER:
            reading.issues.append(
                (
                    "warning",
                    "funder_not_identified",
                    f"no funder named or implied for '{amount.text}' and the column has none",
                )
            )
        dispositif = next((m for m in reversed(label_mentions) if m.kind == "dispositif"), None)
        details = _check_arithmetic(clause, reading)
        reading.lines.append(
            {
                "line_index": index + 1,
                "amount_eur": amount.value,
                "amount_text": amount.text,
                "gross_amount_eur": clause.gross.value if clause.gross else None,
                "share_rate": float(clause.share_rate) if clause.share_rate is not None else None,
                "rate_amount_eur": clause.rate.value if clause.rate else None,
                "rate_unit": clause.rate_unit,
                "part_amounts_eur": [p.value for p in clause.parts] + [d.value for d in clause.dont] or None,
                # "(dont 3 ACI <quartier> = <montant>)": an "of which" part, with the QPV it names.
                "dont_parts": [_dont_part(text, part, context.territory) for part in clause.dont],
                "detail": details or None,
                "funder_code": funder,
                "funder_role": role_of(funder),
                "funder_name": decided_by.name if decided_by else None,
                "funder_text": context.column_header
                if rule == "column" or not decided_by
                else decided_by.alias,
                "funder_rule": rule,
                "funder_source": source,
                "dispositif_code": dispositif.code if dispositif else None,
                "dispositif_text": dispositif.alias if dispositif else None,
                "year_start": year_start,
                "year_end": year_end,
                "year_source": year_source,
                "year_text": year_text or None,
                "is_recurring": own.is_recurring,
                "is_estimate": is_estimate,
                "is_conditional": own.is_conditional,
                "is_in_kind": own.is_in_kind,
                "scope": scope if (scope := read_scope(span)) != "qpv" else head_scope,
                "fte": float(own.fte) if own.fte is not None else None,
                "confidence": round(confidence, 2),
                "clause_text": span.strip(),
            }
        )
    _pledges(text, clauses, mentions, column, context.column_header, footnote, lex, reading)
    return reading


def _check_arithmetic(clause: Clause, reading: CellReading) -> str:
    """Check the arithmetic the document shows; returns a description of the attached amounts."""
    notes: list[str] = []
    cents = Decimal("0.01")
    if clause.gross is not None and clause.share_rate is not None:
        expected = (clause.gross.value * clause.share_rate / 100).quantize(cents)
        notes.append(f"share {clause.share_rate}% of gross {clause.gross.value}")
        if expected != clause.amount.value:
            reading.issues.append(
                (
                    "warning",
                    "arithmetic_mismatch",
                    f"{clause.gross.value} × {clause.share_rate}% = {expected}, "
                    f"but the document says {clause.amount.value}",
                )
            )
    if clause.parts:
        total = sum((p.value for p in clause.parts), Decimal(0))
        notes.append("breakdown " + " + ".join(str(p.value) for p in clause.parts))
        if total != clause.amount.value:
            reading.issues.append(
                (
                    "warning",
                    "arithmetic_mismatch",
                    f"the parts add up to {total}, but the document says {clause.amount.value}",
                )
            )
    if clause.rate is not None:
        count = clause.unit_count
        notes.append(f"rate {clause.rate.value} per {clause.rate_unit}")
        if count and (clause.rate.value * count).quantize(cents) != clause.amount.value:
            reading.issues.append(
                (
                    "warning",
                    "arithmetic_mismatch",
                    f"{count} × {clause.rate.value} = {clause.rate.value * count}, "
                    f"but the document says {clause.amount.value}",
                )
            )
    if clause.restated is not None:
        notes.append(f"restated as {clause.restated.value}")
    for part in clause.dont:
        notes.append(f"of which {part.value}")
        if part.value > clause.amount.value:
            reading.issues.append(
                (
                    "warning",
                    "arithmetic_mismatch",
                    f"the 'dont' part {part.value} is more than its whole {clause.amount.value}",
                )
            )
    return "; ".join(notes)


def _pledges(
    text: str,
    clauses: list[Clause],
    mentions: list[Mention],
    column: Mention | None,
    header: str | None,
    footnote: Mention | None,
    lex: Lexicon,
    reading: CellReading,
) -> None:
    """Commitments without an amount: the whole cell when it has no amount, else its trailing words."""
    start = clauses[-1].end if clauses else 0
    rest = text[start:].strip(" ,.;:-")
    if not rest or not re.search(r"\w", rest):
        return
    own_mentions = [m for m in mentions if m.start >= start]
    qualifiers = read_qualifiers(rest)
    has_marker = qualifiers.is_in_kind or qualifiers.fte is not None or qualifiers.to_be_assessed
    funders = [m for m in own_mentions if m.kind != "dispositif"]
    if clauses and not funders and not has_marker:
        return  # trailing commentary of the last amount ("voir fiche IAE ..."): stays in the cell text
    funder, rule, source, confidence, decided_by = _decide_funder(
        own_mentions, own_mentions, None, footnote, column, lex
    )
    if qualifiers.to_be_assessed:
        kind = "to_be_assessed"
    elif qualifiers.is_in_kind:
        kind = "in_kind"
    elif qualifiers.fte is not None:
        kind = "fte"
    else:
        kind = "unquantified"
    dispositif = next((m for m in own_mentions if m.kind == "dispositif"), None)
    reading.pledges.append(
        {
            "pledge_kind": kind,
            "funder_code": funder,
            "funder_role": role_of(funder),
            "funder_name": decided_by.name if decided_by else None,
            "funder_text": header if rule == "column" or not decided_by else decided_by.alias,
            "funder_rule": rule,
            "funder_source": source,
            "dispositif_code": dispositif.code if dispositif else None,
            "fte": float(qualifiers.fte) if qualifiers.fte is not None else None,
            "is_in_kind": qualifiers.is_in_kind,
            "to_be_assessed": qualifiers.to_be_assessed,
            "pledge_text": rest,
            "confidence": round(confidence, 2),
        }
    )


# -- costs -------------------------------------------------------------------------------------------

_COST_LABEL_TRIM = re.compile(r"^[\s:;,.\-–+]+|[\s:;,.\-–(]+$")


_COST_SUFFIX = re.compile(
    r"^(?:\s*(?:\([^()]*\)|(?:par|/)\s*(?:an|ann[ée]e|jour|mois|heure)\b|en\s+\d{4}|pour\s+l['’]ann[ée]e\s+\d{4}|HT|TTC))*",
    re.IGNORECASE,
)
_COST_CONNECTOR = re.compile(r"^(?:puis|et|\+|ensuite)\b\s*", re.IGNORECASE)


def read_costs(text: str, source_field: str) -> tuple[list[dict[str, Any]], list[tuple[str, str, str]]]:
    """Cost items of a 'Moyens financiers / techniques' text or a 'Coût total' line.

    Each amount takes as label the words before it (back to the previous item), and as
    qualifiers only what stands right after it: a parenthesis, "par an", "en 2016".
    """
    rows: list[dict[str, Any]] = []
    issues: list[tuple[str, str, str]] = []
    amounts = find_amounts(text)
    cursor = 0
    previous_label: str | None = None
    for index, amount in enumerate(amounts):
        limit = amounts[index + 1].start if index + 1 < len(amounts) else len(text)
        suffix = _COST_SUFFIX.match(text[amount.end : limit])
        suffix_end = amount.end + (suffix.end() if suffix else 0)
        label = _COST_LABEL_TRIM.sub("", text[cursor : amount.start]).strip()
        label = _COST_CONNECTOR.sub("", label).strip()
        if not label:
            tail = _COST_LABEL_TRIM.sub("", text[suffix_end:limit]).strip()
            label = previous_label or (tail if index + 1 == len(amounts) else "")
        segment = text[cursor:suffix_end]
        qualifiers = read_qualifiers(segment if index + 1 < len(amounts) else text[cursor:])
        per_unit = _PER_UNIT_SUFFIX.match(text[amount.end :])
        if amount.malformed:
            issues.append(
                ("warning", "malformed_amount", f"'{amount.text}' read as {amount.value} €: {amount.note}")
            )
        rows.append(
            {
                "cost_kind": "rate" if per_unit else ("total" if source_field == "total" else "item"),
                "label": label or None,
                "amount_eur": amount.value,
                "amount_text": amount.text,
                "rate_unit": per_unit["unit"] if per_unit else None,
                "year": qualifiers.year_start,
                "is_recurring": qualifiers.is_recurring,
                "is_estimate": qualifiers.is_estimate,
                "source_field": source_field,
                "clause_text": segment.strip(),
            }
        )
        previous_label = label or previous_label
        cursor = suffix_end
    return rows, issues


@lru_cache(maxsize=4096)
def sub_action_calendar(calendar: str | None, sub_action: str | None) -> tuple[int | None, int | None, str]:
    """The period of a fiche's calendar, narrowed to the sub-action's part when the calendar has parts."""
    if not calendar:
        return None, None, ""
    key = sub_action_key(sub_action)
    if key:
        part = _calendar_part(calendar, key)
        if part:
            start, end, words = read_period(part)
            if start:
                return start, end, words
    return read_period(calendar)


def sub_action_key(sub_action: str | None) -> str | None:
    """'B-1- Service ...' -> 'B1'; 'Action 2 Réduire ...' -> '2'; 'A - Mobilisation ...' -> 'A'."""
    if not sub_action:
        return None
    match = re.match(r"^\s*(?:Action\s+)?(?P<letter>[A-Z]|\d)\s*-?\s*(?P<num>\d)?\b", sub_action)
    if not match:
        return None
    return match["letter"] + (match["num"] or "")


def _calendar_part(calendar: str, key: str) -> str | None:
    """The words of a calendar about one sub-action.

    Calendars list sub-actions by their markers: "A1- juin 2015 A2-3 Déc 2015 B1-novembre 2015 à
    juin 2016 ... B4 et B5 année 2015", "Action A : 2015 Action B ( création ACI ) 2016". A marker
    that is only joined to the next by "et" shares its words. A letter key (sub-action "A") takes
    the words of all its numbered markers (A1, A2...).
    """
    markers = list(_CALENDAR_MARKER.finditer(calendar))
    texts: list[str] = []
    pending: list[str] = []
    for index, marker in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(calendar)
        words = calendar[marker.end() : end]
        pending.append(marker.group(1))
        if re.fullmatch(r"\s*(?:et|,)\s*", words):
            continue
        if any(token == key or (len(key) == 1 and key.isalpha() and token[0] == key) for token in pending):
            texts.append(words)
        pending = []
    return " ".join(texts) or None


_CALENDAR_MARKER = re.compile(
    r"(?:(?<=\s)|^)(?:Action\s+|Phase\s+)?([A-Z]\d?|\d)(?:\s*[-:]|\s+(?=\(|et\b|de\b|à|\d|année|ann[ée]e))"
)
