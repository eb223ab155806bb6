"""Tests of the objectives/BOP annex parser, on the real Lézignan-Corbières annex and on broken input.

Expected values were read by hand in the document; line numbers are 1-based.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import annex
from ingest.records import SEVERITIES, ParseResult

DOCUMENTS = Path(__file__).parent.parent / "data/documents"
ANNEX = DOCUMENTS / "lezignan-corbieres_annexe7_objectifs-bop.txt"
PROGRAMME = DOCUMENTS / "perpignan-mediterranee_programme-actions_pilier-economie-emploi.txt"

HEADER = (
    "\tObjectif opérationnel\tBOP(s) Etat pré-identifiés\tService Etat Gestionnaire du BOP"
    "\tCollectivité locale partenaire de cet objectif\tSignataire partenaire de cet objectif"
    "\tIndicateur\tValeur cible nationale"
)
PENDING = "En cours de définition"


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return ANNEX.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def result(lines: list[str]) -> ParseResult:
    return annex.parse(lines)


@pytest.fixture(scope="module")
def rows(result: ParseResult) -> list[dict[str, Any]]:
    return result.tables[annex.TABLE]


def by_ref(rows: list[dict[str, Any]], ref: str) -> list[dict[str, Any]]:
    return [row for row in rows if row["objective_ref"] == ref]


def one(rows: list[dict[str, Any]], ref: str) -> dict[str, Any]:
    found = by_ref(rows, ref)
    assert len(found) == 1, ref
    return found[0]


def row_line(ref: str, bops: str = "147", services: str = "DDCSPP", indicator: str = "") -> str:
    return "\t".join([ref, f"Objectif {ref}", bops, services, PENDING, PENDING, indicator, ""])


def assert_row_invariants(rows: list[dict[str, Any]], lines: list[str]) -> None:
    for row in rows:
        assert set(row) == set(annex.ROW_COLUMNS)
        assert row["source_lines"][0] == row["source_line"]
        assert row["source_text"].split("\n")[0] == lines[row["source_line"] - 1]
        assert row["source_text"] == "\n".join(lines[number - 1] for number in row["source_lines"])
    assert [row["row_index"] for row in rows] == list(range(1, len(rows) + 1))


def assert_issues_well_formed(result: ParseResult, lines: list[str]) -> None:
    for issue in result.issues:
        assert issue.severity in SEVERITIES
        assert issue.rule and issue.rule == issue.rule.lower() and " " not in issue.rule
        if issue.line is not None:
            assert issue.source_text == lines[issue.line - 1]


# --- the real document -------------------------------------------------------------------------


def test_document_line_numbering(lines: list[str]) -> None:
    # The file has no final newline: 99 newlines (wc -l), 100 lines.
    assert len(lines) == 100
    assert lines[16].startswith("PDEE_AS2_005\t")


def test_kind(result: ParseResult) -> None:
    assert result.kind == annex.KIND == "annexe_objectifs_bop"
    assert set(result.tables) == {"annex_objectives"}


def test_one_row_per_reference_line(rows: list[dict[str, Any]]) -> None:
    assert len(rows) == 46


def test_rows_per_pillar(rows: list[dict[str, Any]]) -> None:
    assert Counter(row["pillar"] for row in rows) == {
        "Développement de l'activité économique et de l'emploi": 12,
        "Habitat Cadre de Vie": 4,
        "Cohésion Sociale": 23,
        "Valeurs de la République et Citoyenneté": 4,
        "Axes transversaux": 3,
    }


def test_rows_per_axis_of_cohesion_sociale(rows: list[dict[str, Any]]) -> None:
    cohesion = [row["axis_number"] for row in rows if row["pillar"] == "Cohésion Sociale"]
    assert Counter(cohesion) == {1: 1, 2: 5, 3: 2, 4: 4, 5: 3, 6: 4, 7: 4}


def test_row_invariants_on_every_row(rows: list[dict[str, Any]], lines: list[str]) -> None:
    assert_row_invariants(rows, lines)
    single = [row for row in rows if len(row["source_lines"]) == 1]
    assert len(single) == 45
    for row in single:
        assert row["source_text"] == lines[row["source_line"] - 1]


def test_rows_in_document_order(rows: list[dict[str, Any]]) -> None:
    source_lines = [row["source_line"] for row in rows]
    assert source_lines == sorted(source_lines)
    assert (source_lines[0], source_lines[-1]) == (9, 100)


def test_pdee_as2_005(rows: list[dict[str, Any]]) -> None:
    row = one(rows, "PDEE_AS2_005")
    assert row == {
        "objective_ref": "PDEE_AS2_005",
        "pillar": "Développement de l'activité économique et de l'emploi",
        "axis_number": 2,
        "axis_label": "Développer l'employabilité et l'emploi des personnes éloignées du marché du travail",
        "objective_label": "Développer une offre d'apprentissage de la langue française (ASL et FLE)",
        "bop_list": "140 141 167 147 163",
        "service_list": "RECTORAT RECTORAT DSN DDCSPP DDCSPP",
        "partner_collectivite": PENDING,
        "partner_signataire": PENDING,
        "indicator": None,
        "national_target": None,
        "row_index": 8,
        "line_bop_fields": ["140 141 167 147 163"],
        "line_service_fields": ["RECTORAT RECTORAT DSN DDCSPP DDCSPP"],
        "source_line": 17,
        "source_lines": [17],
        "source_text": row["source_text"],
    }


def test_axis_heading_next_to_the_ref_header_cell(rows: list[dict[str, Any]]) -> None:
    # Line 8 is "Réf<TAB>Axe Stratégique 1 : ...": the header's first cell shares the heading's line.
    row = one(rows, "PDEE_AS1_001")
    assert (row["axis_number"], row["source_line"]) == (1, 9)
    assert (
        row["axis_label"]
        == "Réduire les écarts entre les besoins des entreprises et les compétences des actifs"
    )
    assert (row["bop_list"], row["service_list"]) == ("102 304", "DIRECCTE DDCSPP")
    assert row["indicator"] is None


def test_axis_heading_in_first_column(rows: list[dict[str, Any]]) -> None:
    row = one(rows, "PDEE_AS3_001")
    assert (row["axis_number"], row["axis_label"]) == (3, "Faciliter l'accès vers l'emploi des jeunes")


def test_standalone_lowercase_axis_heading(rows: list[dict[str, Any]]) -> None:
    row = one(rows, "PVRC_AS2_001")
    assert (row["axis_number"], row["axis_label"]) == (2, "Impliquer, sensibiliser, responsabiliser")
    assert row["pillar"] == "Valeurs de la République et Citoyenneté"
    assert (row["bop_list"], row["service_list"]) == (None, None)


def test_national_targets_as_written(rows: list[dict[str, Any]]) -> None:
    assert one(rows, "PDEE_AS3_001")["national_target"] == "100,00%"
    assert one(rows, "PDEE_AS3_002")["national_target"] == (
        "Valeur cible nationale EA : 30 % CUI marchand : 12 % CUI non-marchand : 13,2 %"
    )
    assert one(rows, "PDEE_AS3_003")["national_target"] is None


def test_references_kept_as_written(rows: list[dict[str, Any]]) -> None:
    refs = {row["objective_ref"] for row in rows}
    assert {"PCOS_AS1_OO1", "PHCV_AS2_*", "Atr_EgF/H", "Atr_LCD", "Atr_Jeunesse"} <= refs
    assert "PCOS_AS1_001" not in refs


def test_reference_under_another_axis_heading(rows: list[dict[str, Any]]) -> None:
    # The reference says axis 3, the heading above it says axis 2: the heading is kept.
    row = one(rows, "PCOS_AS3_OO1")
    assert (row["source_line"], row["pillar"], row["axis_number"]) == (40, "Cohésion Sociale", 2)
    assert row["axis_label"] == (
        "Vivre en tranquillité, prévenir les actes délictueux et la récidive "
        "en garantissant la lisibilité de la réponse judiciaire"
    )


def test_reference_reused_under_another_pillar(rows: list[dict[str, Any]]) -> None:
    first, second = by_ref(rows, "PCOS_AS3_002")
    assert (first["source_line"], first["pillar"], first["axis_number"]) == (48, "Cohésion Sociale", 3)
    assert (second["source_line"], second["pillar"], second["axis_number"]) == (
        86,
        "Valeurs de la République et Citoyenneté",
        3,
    )
    assert second["axis_label"] == "Promouvoir l'engagement citoyen et soutenir la vie associative"
    assert (second["bop_list"], second["service_list"]) == ("163 147 304", "DDCSPP DDCSPP DDCSPP")


def test_continuation_merged_into_its_owner(rows: list[dict[str, Any]], result: ParseResult) -> None:
    row = one(rows, "PCOS_AS5_001")
    assert row["source_line"] == 55
    assert row["source_lines"] == [55, 56]
    assert row["bop_list"] == "224 CNDS 163"
    assert row["service_list"] == "DRAC CNDS DDCSPP"
    assert row["indicator"] == (
        "Part des crédits du projet national pour l'EAC allouée aux actions développées dans les QPV"
        " / Nombre de licenciés sportifs hommes / femmes résidents dans les QPV"
        " Part des crédits du CNDS affectés dans les QPV"
    )
    # The same partner text on both lines is not repeated.
    assert row["partner_collectivite"] == PENDING
    assert row["national_target"] == "30,00%"
    merged = [issue for issue in result.issues if issue.rule == "row_continuation_merged"]
    assert [(issue.line, issue.severity) for issue in merged] == [(56, "info")]
    # The row after the blank line 57 is its own row.
    assert one(rows, "PCOS_AS5_002")["source_lines"] == [58]


def test_transversal_axes(rows: list[dict[str, Any]]) -> None:
    transversal = [row for row in rows if row["pillar"] == annex.TRANSVERSAL_PILLAR]
    assert [(row["objective_ref"], row["axis_number"], row["axis_label"]) for row in transversal] == [
        ("Atr_EgF/H", None, "Égalité entre les Femmes et les Hommes"),
        ("Atr_LCD", None, "Lutte contre les Discriminations"),
        ("Atr_Jeunesse", None, "Jeunesse"),
    ]
    equality = one(rows, "Atr_EgF/H")
    assert equality["objective_label"] is None
    assert (equality["bop_list"], equality["service_list"]) == (
        "137 147",
        "DGCS DDCSPP Gendarmerie(152) Cget(147)",
    )


def test_jeunesse_heading_twice_is_one_axis(rows: list[dict[str, Any]]) -> None:
    row = one(rows, "Atr_Jeunesse")
    assert (row["source_line"], row["row_index"]) == (100, 46)
    assert (row["bop_list"], row["service_list"]) == ("BOP 102 BOP 163 BOP 304", "DIRECCTE DDCSPP RECTORAT")
    assert {r["axis_label"] for r in rows if r["pillar"] == annex.TRANSVERSAL_PILLAR} == {
        "Égalité entre les Femmes et les Hommes",
        "Lutte contre les Discriminations",
        "Jeunesse",
    }


def test_empty_cells_are_none(rows: list[dict[str, Any]]) -> None:
    row = one(rows, "PCOS_AS5_003")
    assert (row["bop_list"], row["service_list"], row["indicator"], row["national_target"]) == (
        None,
        None,
        None,
        None,
    )
    for row in rows:
        assert all(value != "" for value in row.values())


def test_issues_on_the_real_document(result: ParseResult, lines: list[str]) -> None:
    assert sorted((issue.line, issue.severity, issue.rule) for issue in result.issues) == [
        (3, "info", "free_text_ignored"),
        (56, "info", "row_continuation_merged"),
        (90, "info", "missing_objective_label"),
        (94, "info", "missing_objective_label"),
        (100, "info", "missing_objective_label"),
    ]
    assert_issues_well_formed(result, lines)


# --- detection ---------------------------------------------------------------------------------


def test_detect_the_annex() -> None:
    assert annex.detect(ANNEX.read_text(encoding="utf-8")) >= 0.9


def test_detect_the_other_kind() -> None:
    assert annex.detect(PROGRAMME.read_text(encoding="utf-8")) <= 0.05


@pytest.mark.parametrize("text", ["", "\n\n", "\x00\x01garbage\t\t", "Pilier Cohésion Sociale"])
def test_detect_nothing(text: str) -> None:
    assert annex.detect(text) == 0.0


def test_detect_from_content_only(lines: list[str]) -> None:
    # Headers alone (no reference) and references alone each give a partial score.
    headers_only = "\n".join(line for line in lines if "BOP(s)" in line)
    refs_only = "\n".join(line for line in lines if line.startswith("PCOS_"))
    assert annex.detect(headers_only) == 0.5
    assert annex.detect(refs_only) == 0.5
    assert annex.detect("\n".join(lines[:30])) == 1.0


# --- ref_parts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "parts"),
    [
        ("PDEE_AS2_005", ("PDEE", 2, "005")),
        ("PCOS_AS1_OO1", ("PCOS", 1, "001")),
        ("PCOS_AS3_005", ("PCOS", 3, "005")),
        ("PHCV_AS2_*", ("PHCV", 2, "*")),
        (" PVRC_AS3_001 ", ("PVRC", 3, "001")),
        ("Atr_EgF/H", ("Atr", None, "EgF/H")),
        ("Atr_Jeunesse", ("Atr", None, "Jeunesse")),
        ("Réf", (None, None, None)),
        ("", (None, None, None)),
        (None, (None, None, None)),
    ],
)
def test_ref_parts(ref: str | None, parts: tuple[str | None, int | None, str | None]) -> None:
    assert annex.ref_parts(ref) == parts


def test_ref_parts_on_every_row(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert annex.ref_parts(row["objective_ref"])[0] is not None


# --- headings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Pilier Habitat Cadre de Vie\t\t\t", annex.Heading("pillar", None, "Habitat Cadre de Vie")),
        ("\tAxe Stratégique 1 : Favoriser X\t\t", annex.Heading("axis", 1, "Favoriser X")),
        ("Réf\tAxe Stratégique 2 : Y\t\t", annex.Heading("axis", 2, "Y")),
        ("Axe stratégique 3 : Z", annex.Heading("axis", 3, "Z")),
        ("## **Axe strategique n° 4 : W**", annex.Heading("axis", 4, "W")),
        ("\tAxe transversal : Jeunesse\t\t", annex.Heading("transversal", None, "Jeunesse")),
        ("PDEE_AS1_001\tAxe stratégique 1 : not a heading\t102", None),
        ("\tObjectif opérationnel\tBOP(s) Etat pré-identifiés", None),
        ("", None),
    ],
)
def test_line_heading(line: str, expected: annex.Heading | None) -> None:
    assert annex.line_heading(annex._cells(line)) == expected


# --- continuation rules on small documents -----------------------------------------------------


def test_blank_line_does_not_break_a_continuation() -> None:
    lines = [
        "Pilier P",
        "Axe Stratégique 1 : A",
        row_line("PXXX_AS1_001", "224", "DRAC", "I1"),
        "",
        "\t\tCNDS 163\tCNDS DDCSPP\t\t\tI2\t",
    ]
    result = annex.parse(lines)
    (row,) = result.tables[annex.TABLE]
    assert (row["bop_list"], row["service_list"], row["indicator"]) == (
        "224 CNDS 163",
        "DRAC CNDS DDCSPP",
        "I1 / I2",
    )
    assert row["source_lines"] == [3, 5]
    assert_row_invariants([row], lines)


def test_heading_breaks_a_continuation() -> None:
    lines = [
        "Pilier P",
        "Axe Stratégique 1 : A",
        row_line("PXXX_AS1_001", "224", "DRAC"),
        "Axe Stratégique 2 : B",
        "\t\tCNDS 163\tCNDS DDCSPP\t\t\t\t",
    ]
    result = annex.parse(lines)
    (row,) = result.tables[annex.TABLE]
    assert row["bop_list"] == "224"
    assert [(issue.line, issue.severity, issue.rule) for issue in result.issues] == [
        (5, "warning", "orphan_continuation")
    ]


def test_continuation_fills_empty_cells_and_appends_equal_list_items() -> None:
    lines = [row_line("PXXX_AS1_001", "147", "DDCSPP"), "\tsuite du texte\t147\tDDCSPP\t\t\t\t42 %"]
    row = annex.parse(lines).tables[annex.TABLE][0]
    assert row["objective_label"] == "Objectif PXXX_AS1_001 / suite du texte"
    assert (row["bop_list"], row["service_list"], row["national_target"]) == (
        "147 147",
        "DDCSPP DDCSPP",
        "42 %",
    )


# --- robustness --------------------------------------------------------------------------------


def test_empty_input() -> None:
    result = annex.parse([])
    assert result.kind == annex.KIND
    assert result.tables == {annex.TABLE: []}
    assert [(issue.severity, issue.rule) for issue in result.issues] == [("error", "no_objective_rows")]


def test_only_garbage() -> None:
    lines = ["%PDF-1.4 \x00\x01\x02", "\ufffd\ufffd\tgarbage\t???", "lorem ipsum", "----", "a\tb\tc\td"]
    result = annex.parse(lines)
    assert result.tables[annex.TABLE] == []
    rules = {issue.rule for issue in result.issues}
    assert {"unreadable_characters", "unreadable_line", "free_text_ignored", "no_objective_rows"} <= rules
    assert_issues_well_formed(result, lines)


def test_truncated_document(lines: list[str]) -> None:
    head = lines[:30]
    result = annex.parse(head)
    rows = result.tables[annex.TABLE]
    assert len(rows) == 14
    assert rows[-1]["objective_ref"] == "PHCV_AS1_002"
    assert_row_invariants(rows, head)


def test_line_cut_mid_row(lines: list[str]) -> None:
    cut = [*lines[:16], lines[16][: lines[16].index("\tRECTORAT")]]
    result = annex.parse(cut)
    row = one(result.tables[annex.TABLE], "PDEE_AS2_005")
    assert (row["bop_list"], row["service_list"]) == ("140 141 167 147 163", None)
    assert [(issue.line, issue.rule) for issue in result.issues if issue.severity == "warning"] == [
        (17, "unexpected_cell_count")
    ]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shuffled_lines(lines: list[str], seed: int) -> None:
    shuffled = list(lines)
    random.Random(seed).shuffle(shuffled)
    result = annex.parse(shuffled)
    rows = result.tables[annex.TABLE]
    # Every reference line still makes its row; only headings and merges are lost.
    assert len(rows) == 46
    assert_row_invariants(rows, shuffled)
    assert_issues_well_formed(result, shuffled)


def test_line_with_twelve_cells(lines: list[str]) -> None:
    wide = list(lines)
    wide[16] = lines[16] + "\tX\t\tY\t"
    result = annex.parse(wide)
    row = one(result.tables[annex.TABLE], "PDEE_AS2_005")
    assert row["bop_list"] == "140 141 167 147 163"
    assert row["source_text"] == wide[16]
    (issue,) = [issue for issue in result.issues if issue.rule == "unexpected_cell_count"]
    assert (issue.line, issue.severity, issue.source_text) == (17, "warning", wide[16])
    assert "12 cells" in issue.message and "'X | Y'" in issue.message


def test_moved_header_columns_are_followed_and_said() -> None:
    """Another writer puts the service column before the BOP column: read where the header says."""
    cells = HEADER.split("\t")
    cells[2], cells[3] = cells[3], cells[2]
    line = "\t".join(["PXXX_AS1_001", "Objectif", "DDCSPP DIRECCTE", "147 102", PENDING, PENDING, "", ""])
    result = annex.parse(["\t".join(cells), line])
    assert [issue.rule for issue in result.issues] == ["header_layout", "objective_without_heading"]
    row = result.tables[annex.TABLE][0]
    assert (row["bop_list"], row["service_list"]) == ("147 102", "DDCSPP DIRECCTE")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("PDEE_AS1_0O*\t :Axe Pilier transversal\ufffd\x00é")))))
def test_parse_never_raises(lines: list[str]) -> None:
    result = annex.parse(lines)
    assert_row_invariants(result.tables[annex.TABLE], lines)
    assert_issues_well_formed(result, lines)
