"""The programme d'actions parser on the real Perpignan document; every figure checked by hand in the text."""

from __future__ import annotations

import pytest

from ingest import programme
from ingest.records import ParseResult


@pytest.fixture(scope="module")
def parsed(perpignan_lines: list[str]) -> ParseResult:
    return programme.parse(perpignan_lines)


def _fiche(parsed: ParseResult, code: str) -> dict:
    return next(row for row in parsed.tables["fiches"] if row["fiche_code"] == code)


def test_sixteen_fiches_in_document_order(parsed: ParseResult) -> None:
    codes = [row["fiche_code"] for row in parsed.tables["fiches"]]
    assert codes == [
        "1-1-1",
        "1-2-1",
        "1-2-2",
        "1-3-1",
        "1-4-1",
        "1-5-1",
        "2-1-1",
        "2-1-2",
        "2-1-3",
        "2-2-1",
        "3-1-1",
        "3-1-2",
        "3-1-3",
        "3-2-1",
        "3-3-1",
        "3-4-1",
    ]


def test_fiche_heading_fields(parsed: ParseResult) -> None:
    fiche = _fiche(parsed, "1-1-1")
    assert fiche["title"] == "Accompagnement à la création d'entreprises et d'activités économiques"
    assert fiche["pillar"] == "III. Développement économique et emploi"
    assert fiche["axis_code"] == "1"
    assert (
        fiche["axis_label"]
        == "L'appui, le soutien, la pérennisation, le développement de l'activité économique"
    )
    # The heading above the fiches words the axis differently from the summary table.
    assert fiche["axis_heading_label"].endswith("le développement de l'action économique")
    assert fiche["objective_code"] == "1-1"
    assert fiche["objective_label"].startswith("Structuration de l'offre d'accompagnement")
    assert fiche["first_line"] == 28
    assert fiche["last_line"] == 123
    assert fiche["territoire"] == "Tous les QPV"
    assert fiche["articulation"] == "Programme régional PACTE"


def test_title_on_the_line_after_the_fiche_heading(parsed: ParseResult) -> None:
    assert (
        _fiche(parsed, "1-2-2")["title"]
        == "Pépinière / Hôtel d'Entreprises en Quartier Prioritaire de la Ville"
    )


def test_objective_labels_from_summary_and_heading(parsed: ParseResult) -> None:
    fiche = _fiche(parsed, "1-2-1")
    assert fiche["objective_label"] == (
        "Accompagner à la création d'entreprises et d'emplois dans les quartiers prioritaires, "
        "en veillant à la viabilité des projets"
    )
    assert fiche["objective_heading_label"] == (
        "Accompagner à la création d'entreprises et d'emplois dans les Quartiers Politiques de la Ville"
    )
    assert _fiche(parsed, "3-3-1")["objective_code"] == "3-3"
    assert _fiche(parsed, "2-2-1")["axis_code"] == "2"


def test_field_continued_after_page_break(parsed: ParseResult) -> None:
    # 1-1-1's description goes on for 37 lines of markdown (B-1 ... B6) before "Territoire".
    description = _fiche(parsed, "1-1-1")["description"]
    assert "Cité lab" in description
    assert "B6-Transmission /reprise d’entreprises" in description
    # 2-1-3's diagnostic continues after a separator line (line 311).
    assert "l'étude commerciale a démontré le potentiel" in _fiche(parsed, "2-1-3")["diagnostic"]


def test_lists_kept_readable_and_html_removed(parsed: ParseResult) -> None:
    objectifs = _fiche(parsed, "1-3-1")["objectifs_operationnels"]
    assert objectifs.split("\n") == [
        "- Favoriser l'émergence des projets d'entreprises de l'ESS",
        "- Permettre aux résidents de QPV de créer leur propre emploi dans le champs de l'ESS",
        "- Soutenir les structures d'utilité sociale",
    ]
    for row in parsed.tables["fiches"]:
        for name in programme.EXPECTED_FIELDS:
            assert "<" not in (row[name] or "").replace("<=", ""), (row["fiche_code"], name)


def test_split_label_pilotes_associes(parsed: ParseResult) -> None:
    pilotes = _fiche(parsed, "3-1-3")["pilotes_partenaires"]
    assert "UT DIRECCTE" in pilotes and "Conseil Régional (E2C)" in pilotes


def test_moyens_split_into_parts(parsed: ParseResult) -> None:
    fiche = _fiche(parsed, "2-1-2")
    assert fiche["moyens_humains"] == "1 ETP + l'ensemble des partenaires associés"
    assert fiche["moyens_financiers"].startswith("Etude commerce NPNRU : 70 000 €")
    assert fiche["moyens_financiers"].endswith("SMART CITY : 15 000 €")


def test_calendar_and_missing_fields(parsed: ParseResult) -> None:
    assert _fiche(parsed, "3-4-1")["calendrier"] == "À partir de Mai 2015"
    assert _fiche(parsed, "3-2-1")["calendrier"] is None
    missing = {(i.line, i.message) for i in parsed.issues if i.rule == "missing_field"}
    assert (476, "fiche 3-2-1 has no 'calendrier' field") in missing


def test_participation_section_kept(parsed: ParseResult) -> None:
    assert _fiche(parsed, "2-1-2")["participation_habitants"].startswith(
        "Mode de participation des habitants"
    )
    assert "signalétique" in _fiche(parsed, "2-1-3")["participation_habitants"]


def test_funding_tables_and_sub_actions(parsed: ParseResult) -> None:
    tables = parsed.tables["funding_tables"]
    assert len(tables) == 33
    by_line = {t["first_line"]: t for t in tables}
    assert by_line[90]["sub_action"] == "B-1- Service d'amorçage de projets de type Cité lab"
    assert by_line[498]["sub_action"] == "Action 2 Réduire la fracture numérique"
    assert by_line[149]["sub_action"] is None and by_line[149]["fiche_code"] == "1-2-1"
    assert by_line[199]["headers"] == [
        "Coût de l'action",
        "Droit commun",
        "DIRECCTE UT 66",
        "FSE",
        "PMCA",
        "CD",
        "CAF",
        "Autres partenaires",
    ]
    assert by_line[322]["headers"][4] == "PMCA (1)"
    # The header of 3-1-2 A sits on the line above its "Coût de l'action" label (line 413).
    assert by_line[413]["sub_action"] == "A- Développer le concept de plate forme de recrutement"
    per_fiche = {}
    for t in tables:
        per_fiche[t["fiche_code"]] = per_fiche.get(t["fiche_code"], 0) + 1
    assert per_fiche["1-1-1"] == 7 and per_fiche["3-1-3"] == 4 and per_fiche["3-3-1"] == 3


def test_cells_rows_and_columns(parsed: ParseResult) -> None:
    cells = parsed.tables["funding_cells"]
    assert len(cells) == 54
    by_key = {(c["source_line"], c["column_index"]): c for c in cells}
    club_face = by_key[(536, 2)]
    assert club_face["row_type"] == "credits_specifiques"
    assert club_face["column_header"] == "État"
    assert club_face["raw_text"] == "ACSE 5 000€ DRJSCS 15 000€"
    assert by_key[(541, 2)]["row_type"] == "credits_specifiques"  # row labelled "CS"
    assert by_key[(200, 7)]["raw_text"] == "CDC :32 000 *20%=6400 €"
    assert by_key[(200, 2)]["raw_text"].startswith("62 000 €* 20% de QPV= 12400 €")
    assert by_key[(226, 7)]["raw_text"] == "AEP"


def test_row_split_by_footnote_is_joined(parsed: ParseResult) -> None:
    cells = {(c["source_line"], c["column_index"]): c for c in parsed.tables["funding_cells"]}
    iae = cells[(385, 2)]
    assert iae["source_lines"] == [385, 389]
    assert iae["raw_text"].endswith("EI : 40 ETP : 40 000 € ETTI : 20 ETP : 90 000 €")
    table = next(t for t in parsed.tables["funding_tables"] if t["first_line"] == 384)
    assert table["note"].startswith("** A noter : Le contenu et le portage du projet")


def test_row_split_by_page_break_is_joined(parsed: ParseResult) -> None:
    cells = {(c["source_line"], c["column_index"]): c for c in parsed.tables["funding_cells"]}
    assert cells[(414, 2)]["raw_text"] == "DIRECCTE (50% de l'appui SPE AFPA ) 8000 €"
    assert cells[(414, 7)]["raw_text"] == "Pôle Emploi : POE AFPR AIF MRS"
    assert cells[(414, 7)]["row_type"] == "droit_commun"


def test_action_totals(parsed: ParseResult) -> None:
    totals = [(t["fiche_code"], t["source_line"], t["amount_text"]) for t in parsed.tables["action_totals"]]
    assert totals == [
        ("1-2-1", 152, "350 000 €"),
        ("1-2-2", 176, "Al Sol : 1.8 M° d’€"),
        ("2-1-2", 296, "365 000 €"),
    ]


def test_duplicate_fiche_text_reported(parsed: ParseResult) -> None:
    duplicates = [i for i in parsed.issues if i.rule == "duplicate_fiche_text"]
    assert [(i.line, i.message) for i in duplicates] == [
        (252, "fiche 2-1-1 repeats the text of fiche 1-5-1 word for word")
    ]


def test_detect_scores(perpignan_lines: list[str], lezignan_lines: list[str]) -> None:
    assert programme.detect("\n".join(perpignan_lines)) == 1.0
    assert programme.detect("\n".join(lezignan_lines)) < 0.5


@pytest.mark.parametrize(
    "lines",
    [
        [],
        ["garbage \x00\x01", "\t\t\t", "<b>Diagnostic</b>\tno fiche yet"],
        [
            "Coût de l'action\tDroit commun\tÉtat\tVille\tPMCA\tCD\tCAF\tAutres",
            "\t\t1 €\t\t\t\t\t\t\t\t\t9 €",
        ],
    ],
)
def test_never_raises_on_bad_content(lines: list[str]) -> None:
    result = programme.parse(lines)
    assert result.issues  # something is always said about such input


def test_cell_beyond_headers_is_kept_and_reported() -> None:
    lines = [
        "<b>Fiche action n° 9-9-9</b>\t<b>Intitulé de l'action :</b> <b>Test</b>",
        "Coût de l'action\tDroit commun\tÉtat\tVille\tPMCA\tCD\tCAF\tAutres partenaires",
        "\t\t1 000 €\t\t\t\t\t\t\t\t5 000 €",
    ]
    result = programme.parse(lines)
    cells = result.tables["funding_cells"]
    assert [(c["column_index"], c["column_header"], c["raw_text"]) for c in cells] == [
        (2, "État", "1 000 €"),
        (10, None, "5 000 €"),
    ]
    assert any(i.rule == "cell_beyond_headers" and i.line == 3 for i in result.issues)
