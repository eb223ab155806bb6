"""Fuzzing: the parsers never raise on mutated real documents, and what they return keeps its word.

Hypothesis mutates the real documents (drop lines, cut the text, shuffle the cells of a line or a
run of lines, inject garbage bytes and characters, huge numbers, tabs, HTML fragments, table
headers and row labels out of place) and feeds them to ``programme.parse``, ``annex.parse``,
``anct.parse_posts``, ``anct.parse_contracts`` and ``funding.read_cell``, plus the byte decoder.
Whatever comes in, each returns a ``ParseResult`` / ``CellReading`` whose issues say what was odd,
and these invariants hold:

- every funding line has an amount > 0;
- every row's ``source_line`` is a line of the document, and its ``source_text`` is that line (the
  first line of a multi-line source text); every issue with a line points at a line of the document;
- for the ANCT records, ``source_line`` is the index of a record and ``source_text`` is valid JSON.

Examples: ``HYPOTHESIS_PROFILE=cdv-bounded`` (default, what ``make test`` runs: 30 per test,
derandomized, about 20 s in all) or ``cdv-fuzz`` (``make fuzz``: 2,000 per test, random).

Checked to fail without the safeguards (on a copy of the tree, each removed in turn): without the
zero-amount filter of ``programme.read_money``, the programme test finds a "0 €" cell made a funding
line; without the salvage of damaged JSON in ``anct._load``, the posts test raises; without the
finiteness checks of ``anct.parse_amount`` and ``anct._float``, "NaN", "1e400" or infinity end up in
a row; without the replacement decoding of a damaged UTF-16 file, ``decode`` raises. Removing the
per-line ``try`` of ``programme.parser.parse`` or ``annex.parse`` does not make these tests fail: no
mutation found a line that raises, and the tests also assert that no line had to be caught there
(no ``unreadable_line`` / ``line_not_parsed`` issue).
"""

from __future__ import annotations

import json
import math
import os
import random
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingest import anct, annex, programme
from ingest.funding import CellContext, read_cell
from ingest.reading import decode, split_lines
from ingest.records import SEVERITIES, ParseResult
from ingest.territories import territory_of

from .conftest import LEZIGNAN, PERPIGNAN, ROOT

settings.register_profile(
    "cdv-bounded",
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "cdv-fuzz",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Read here and applied test by test: loading it globally would change other modules' settings.
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "cdv-bounded"))

PERPIGNAN_LINES = PERPIGNAN.read_text(encoding="utf-8").split("\n")
# The funding-table lines: the header lines and the row lines under them.
MONEY_LINES = tuple(
    i
    for i, line in enumerate(PERPIGNAN_LINES)
    if line.startswith(("\t", "Coût de l")) and line.count("\t") >= 6
)
LEZIGNAN_LINES = LEZIGNAN.read_text(encoding="utf-8").split("\n")
ANCT = ROOT / "data" / "anct"
POSTS = (
    json.loads((ANCT / "adulte-relais-2024.json").read_text(encoding="utf-8"))[:40]
    + json.loads((ANCT / "postes-fonjep-2024.json").read_text(encoding="utf-8"))[300:320]
)
CONTRACTS = json.loads((ANCT / "geom_cv_ctr.json").read_text(encoding="utf-8"))
CONTRACTS = {**CONTRACTS, "features": CONTRACTS["features"][:40]}

# Characters a broken export can hold: controls, NUL, the decoder's replacement mark, odd spaces and
# line separators that are not line breaks here (\r and \n are: the reader splits on them).
_ODD = "\x00\x01\x08\x0b\x0c\x1b\x7f\x85\xa0\u2028\u2029\u202f\ufeff\ufffd\t€°’«»"
GARBAGE = st.text(
    alphabet=st.one_of(
        st.sampled_from(_ODD), st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n")
    ),
    max_size=40,
)
FRAGMENTS = st.sampled_from(
    [
        "999 999 999 999 999 €",
        "9" * 40 + " €",
        "1e308 €",
        "-5 000 €",
        "0 €",
        "0,00 €",
        "62 000 €* 20% de QPV= 12400 €",
        "\t\t\t\t\t\t\t\t\t\t\t\t",
        "<b>",
        "</b></td><td>",
        "<table data-bbox='1 2 3 4'><tr><td>",
        "<ul><li>",
        "&amp;&#x0;&#99999999;",
        "<b>Fiche action n° 9-9-9</b>\t<b>Intitulé de l'action :</b>",
        "Coût de l'action\tDroit commun\tÉtat\tVille de Perpignan\tPMCA\tCD\tCAF\tAutres partenaires",
        "\t<b>Crédits spécifiques</b>\t1 000 €",
        "<b>Moyens humains, financiers et techniques</b>\t<b>Moyens financiers :</b> 10 000 €",
        "**COUT TOTAL DE L'ACTION : 365 000 €**",
        "** A noter",
        "## Axe stratégique 9 : rien",
        "PDEE_AS1_001\tObjectif\t102 304\tDIRECCTE DDCSPP",
        "Pilier : Cohésion",
        "\tsuite sans référence\t147",
    ]
)


@st.composite
def mutations(draw: st.DrawFn, size: int, money_lines: tuple[int, ...] = ()) -> list[tuple[str, int, Any]]:
    """A few edits, each (kind, line index, argument), applied in order by ``mutate``.

    ``money_lines``: indexes of the funding-table lines, where a "money" edit puts a fragment into a
    cell (a random line would seldom be one).
    """
    names = ["drop", "cut", "shuffle_cells", "shuffle_lines", "garbage", "fragment", "repeat"]
    kinds = st.sampled_from(names + (["money", "money"] if money_lines else []))
    edits = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        kind = draw(kinds)
        at = draw(st.integers(min_value=0, max_value=max(0, size - 1)))
        if kind == "money":
            kind, at = "cell", draw(st.sampled_from(money_lines))
            arg: Any = (draw(st.integers(min_value=0, max_value=12)), draw(st.one_of(FRAGMENTS, GARBAGE)))
        elif kind in ("drop", "shuffle_lines", "repeat"):
            arg = (draw(st.integers(min_value=1, max_value=30)), draw(st.integers(0, 2**16)))
        elif kind == "cut":
            arg = draw(st.integers(min_value=0, max_value=400))
        elif kind == "shuffle_cells":
            arg = draw(st.integers(0, 2**16))
        elif kind == "garbage":
            arg = (draw(st.integers(min_value=0, max_value=400)), draw(GARBAGE))
        else:
            arg = (draw(st.integers(min_value=0, max_value=400)), draw(FRAGMENTS))
        edits.append((kind, at, arg))
    return edits


def mutate(lines: list[str], edits: list[tuple[str, int, Any]]) -> list[str]:
    out = list(lines)
    for kind, at, arg in edits:
        if not out:
            break
        at = min(at, len(out) - 1)
        if kind == "drop":
            del out[at : at + arg[0]]
        elif kind == "cut":
            out = out[:at] + [out[at][:arg]]
        elif kind == "shuffle_cells":
            cells = out[at].split("\t")
            random.Random(arg).shuffle(cells)
            out[at] = "\t".join(cells)
        elif kind == "shuffle_lines":
            window = out[at : at + arg[0]]
            random.Random(arg[1]).shuffle(window)
            out[at : at + arg[0]] = window
        elif kind == "repeat":
            out[at:at] = out[at : at + arg[0]]
        elif kind == "cell":
            cells = out[at].split("\t")
            index = min(arg[0], len(cells) - 1)
            cells[index] = f"{cells[index]} {arg[1]}".strip()
            out[at] = "\t".join(cells)
        else:
            position, text = arg
            line = out[at]
            position = min(position, len(line))
            out[at] = line[:position] + text + line[position:]
    return out


def check_lines_provenance(result: ParseResult, lines: list[str]) -> None:
    """Rows and issues of a text document point at its lines, and quote them."""
    for table, rows in result.tables.items():
        for row in rows:
            line = row.get("source_line")
            if line is None:
                continue
            assert 1 <= line <= len(lines), (table, line, len(lines))
            assert row["source_text"].split("\n")[0] == lines[line - 1], (table, line)
            for other in row.get("source_lines") or []:
                assert 1 <= other <= len(lines), (table, other)
    for issue in result.issues:
        assert issue.severity in SEVERITIES
        if issue.line is not None:
            assert 1 <= issue.line <= len(lines), (issue.rule, issue.line)
            if issue.source_text:
                assert issue.source_text.split("\n")[0] == lines[issue.line - 1], issue.rule


def check_amounts(result: ParseResult) -> None:
    for row in result.tables.get("funding_lines", []):
        assert isinstance(row["amount_eur"], Decimal) and row["amount_eur"] > 0, row["amount_text"]


@PROFILE
@given(mutations(len(PERPIGNAN_LINES), MONEY_LINES))
def test_programme_parser_on_mutated_perpignan(edits: list[tuple[str, int, Any]]) -> None:
    lines = mutate(PERPIGNAN_LINES, edits)
    result = programme.parse(lines)
    assert isinstance(result, ParseResult)
    check_lines_provenance(result, lines)
    check_amounts(result)
    assert not [i for i in result.issues if i.rule == "unreadable_line"], "a line made the parser fail"


@PROFILE
@given(mutations(len(LEZIGNAN_LINES)))
def test_annex_parser_on_mutated_lezignan(edits: list[tuple[str, int, Any]]) -> None:
    lines = mutate(LEZIGNAN_LINES, edits)
    result = annex.parse(lines)
    assert isinstance(result, ParseResult)
    check_lines_provenance(result, lines)
    assert not [i for i in result.issues if i.rule == "line_not_parsed"], "a line made the parser fail"


def check_records(result: ParseResult, table: str) -> None:
    for row in result.tables.get(table, []):
        assert row["source_line"] >= 1
        json.loads(row["source_text"])
    for issue in result.issues:
        assert issue.severity in SEVERITIES
        assert issue.line is None or issue.line >= 1


def _json_lines(value: Any) -> list[str]:
    # Pretty-printed, so that line edits cut records, fields and values.
    return json.dumps(value, ensure_ascii=False, indent=1).split("\n")


POSTS_LINES = _json_lines(POSTS)
CONTRACTS_LINES = _json_lines(CONTRACTS)

# Values a drifted record may carry instead of the expected ones.
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["999 999 999 999 999 €", "7 164,50 €", "1e400", "NaN", "2024.0", " 2024 ", "<b>x</b>"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@st.composite
def drifted_records(draw: st.DrawFn, records: list[Any]) -> list[Any]:
    """Records with values of the wrong type or size, fields dropped or renamed, records replaced.
    A GeoJSON feature drifts in its properties and geometry as well as at its top level."""
    out = json.loads(json.dumps(records))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        index = draw(st.integers(min_value=0, max_value=len(out) - 1))
        record = out[index]
        action = draw(st.sampled_from(["value", "drop_field", "rename_field", "replace_record"]))
        if action == "replace_record" or not isinstance(record, dict) or not record:
            out[index] = draw(ODD_VALUES)
            continue
        inner = [k for k in ("properties", "geometry") if isinstance(record.get(k), dict) and record[k]]
        if inner and draw(st.booleans()):
            record = record[draw(st.sampled_from(inner))]
        key = draw(st.sampled_from(sorted(record, key=str)))
        if action == "value":
            record[key] = draw(ODD_VALUES)
        elif action == "drop_field":
            del record[key]
        else:
            record[draw(st.sampled_from([key.upper(), key + " ", "Année", "montant ", "x"]))] = record.pop(
                key
            )
    return out


@PROFILE
@given(mutations(len(POSTS_LINES)))
def test_posts_parser_on_mutated_json_text(edits: list[tuple[str, int, Any]]) -> None:
    lines = mutate(POSTS_LINES, edits)
    check_records(anct.parse_posts(lines), anct.TABLE_POSTS)


@PROFILE
@given(drifted_records(POSTS))
def test_posts_parser_on_drifted_records(records: list[Any]) -> None:
    result = anct.parse_posts(json.dumps(records, ensure_ascii=False, allow_nan=True).split("\n"))
    check_records(result, anct.TABLE_POSTS)
    for row in result.tables[anct.TABLE_POSTS]:
        amount = row["amount_eur"]
        assert amount is None or (
            amount == amount.quantize(Decimal("0.01")) and abs(amount) < Decimal("1e16")
        )


@PROFILE
@given(mutations(len(CONTRACTS_LINES)))
def test_contracts_parser_on_mutated_geojson_text(edits: list[tuple[str, int, Any]]) -> None:
    lines = mutate(CONTRACTS_LINES, edits)
    check_records(anct.parse_contracts(lines), anct.TABLE_CONTRACTS)


@PROFILE
@given(drifted_records(CONTRACTS["features"]))
def test_contracts_parser_on_drifted_features(features: list[Any]) -> None:
    result = anct.parse_contracts(
        json.dumps({**CONTRACTS, "features": features}, ensure_ascii=False, allow_nan=True).split("\n")
    )
    check_records(result, anct.TABLE_CONTRACTS)
    for row in result.tables[anct.TABLE_CONTRACTS]:
        for value in (row["longitude"], row["latitude"], row["pop_qpv"]):
            assert value is None or value == value and abs(value) != float("inf")


@PROFILE
@given(st.sampled_from(["montant", "annee", "id_poste", "code_cv", "pop", "coordinates"]), ODD_VALUES)
@example("montant", float("inf"))
@example("montant", "1e400")
@example("montant", "NaN")
@example("montant", 10**30)
@example("annee", 2024.5)
@example("pop", "1e400")
@example("pop", float("nan"))
@example("coordinates", [float("inf"), "x"])
def test_one_odd_value_costs_at_most_its_field(field: str, value: Any) -> None:
    """A post or a contract point with one odd value: the record is kept, the value read or NULL."""
    post = dict(POSTS[0])
    feature = json.loads(json.dumps(CONTRACTS["features"][0]))
    if field == "pop":
        feature["properties"]["pop"] = value
    elif field == "coordinates":
        feature["geometry"] = {"type": "Point", "coordinates": value}
    else:
        post[field] = value
    posts = anct.parse_posts(json.dumps([post], allow_nan=True).split("\n"))
    check_records(posts, anct.TABLE_POSTS)
    assert len(posts.tables[anct.TABLE_POSTS]) == 1
    amount = posts.tables[anct.TABLE_POSTS][0]["amount_eur"]
    assert amount is None or (amount.is_finite() and abs(amount) < Decimal("1e16"))
    points = anct.parse_contracts(
        json.dumps({**CONTRACTS, "features": [feature]}, allow_nan=True).split("\n")
    )
    check_records(points, anct.TABLE_CONTRACTS)
    assert len(points.tables[anct.TABLE_CONTRACTS]) == 1
    row = points.tables[anct.TABLE_CONTRACTS][0]
    for number in (row["pop_qpv"], row["longitude"], row["latitude"]):
        assert number is None or math.isfinite(number)


# Cells of the real funding tables, to be mutated one by one.
REAL_CELLS = sorted(
    {
        cell
        for line in PERPIGNAN_LINES
        if line.startswith("\t") or line.startswith("Coût de l")
        for cell in line.split("\t")[2:]
        if any(ch.isdigit() for ch in cell)
    }
)
HEADERS = [
    None,
    "État",
    "Ville de Perpignan",
    "PMCA",
    "CD",
    "CAF",
    "Autres partenaires",
    "DIRECCTE UT 66",
    "FSE",
    "???",
]


@PROFILE
@given(
    st.sampled_from(REAL_CELLS),
    st.lists(st.tuples(st.integers(0, 300), st.one_of(GARBAGE, FRAGMENTS)), max_size=4),
    st.sampled_from(HEADERS),
    st.sampled_from(["droit_commun", "credits_specifiques"]),
    st.sampled_from([None, "CV235", "CV038", "CV999"]),
    st.sampled_from([(None, None, ""), (2015, 2016, "calendar"), (2015, None, "calendar")]),
)
def test_read_cell_on_mutated_real_cells(
    cell: str,
    inserts: list[tuple[int, str]],
    header: str | None,
    row_type: str,
    contract: str | None,
    calendar: tuple[int | None, int | None, str],
) -> None:
    text = cell
    for position, fragment in inserts:
        position = min(position, len(text))
        text = text[:position] + fragment + text[position:]
    reading = read_cell(
        text, CellContext(header, row_type, territory_of(contract), calendar, note="** A noter : CD")
    )
    for line in reading.lines:
        # >= 0 here: read_cell still turns "0 €" into a line (test_read_cell_makes_no_zero_funding_line);
        # programme.read_money drops those, so the programme's funding lines are all > 0.
        assert isinstance(line["amount_eur"], Decimal) and line["amount_eur"] >= 0, (
            text,
            line["amount_text"],
        )
        assert line["funder_code"]
    for severity, rule, message in reading.issues:
        assert severity in SEVERITIES and rule and message


@PROFILE
@given(
    st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]),
    st.binary(max_size=3000),
    st.sampled_from([b"", PERPIGNAN.read_bytes()[:2000], "É€’".encode("utf-16-le")]),
)
def test_decode_never_raises_and_lines_have_no_line_breaks(prefix: bytes, middle: bytes, real: bytes) -> None:
    text, encoding, issues = decode(prefix + real + middle + real)
    assert (text is None) == (encoding is None)
    if text is not None:
        for line in split_lines(text):
            assert "\n" not in line and "\r" not in line
    for issue in issues:
        assert issue.severity in SEVERITIES


@pytest.mark.parametrize("text", ["0 €", "0€", "0,00 €", "DIRECCTE : 0 € en 2015"])
def test_read_cell_makes_no_zero_funding_line(text: str) -> None:
    reading = read_cell(text, CellContext("État", "droit_commun", territory_of("CV235")))
    assert [line["amount_eur"] for line in reading.lines if line["amount_eur"] <= 0] == []


def test_the_programme_parser_drops_zero_amounts_with_an_issue() -> None:
    # Checked: without the filter in programme.read_money, the line of 0 € is loaded.
    lines = list(PERPIGNAN_LINES[:153])
    lines[149] += "\t\tCAF : 0 €"
    result = programme.parse(lines)
    assert [r for r in result.tables["funding_lines"] if r["source_line"] == 150] == []
    zero = [i for i in result.issues if i.rule == "zero_amount"]
    assert [(i.line, i.severity) for i in zero] == [(150, "warning")]
    assert "'0 €' is no money: not a funding line" in zero[0].message
