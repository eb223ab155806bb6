"""Each reader of the programme parser on its own (ingest/programme/): the line classifier, the
summary table, fiche fields, funding tables and their money, cost totals and the end of a document.
Figures checked by hand against the lines given here (a Montpellier fiche: Mosson is QP034005 in
ref_qpv, Montpellier is commune 34172, Hérault is département 34)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.programme import ends, fiche_rows, fields, summary, tables, totals
from ingest.programme.context import Context
from ingest.programme.lines import FICHE, Kind, Where, cells, classify

DOCUMENT = [
    "Contrat de ville de Montpellier Méditerranée Métropole",
    "Fiche action n° 2-1-3 : Ateliers de français",
    "<b>Territoire</b>\tMosson",
    "Coût de l'action\tDroit commun\tEtat\tVille de Montpellier\tCAF",
    "\t\t12 000 €\t8 000 €\t",
    "\tCrédits spécifiques\t5 000 € (BOP 147)\t\t3 000 €",
    "Coût total de l'action : 28 000 €",
]


@pytest.fixture
def ctx() -> Context:
    return Context.of(DOCUMENT)


def _fiche(ctx: Context) -> fields.Fiche:
    match = FICHE.search(DOCUMENT[1])
    assert match is not None
    return fields.start(ctx, 2, match, DOCUMENT[1])


# -- the line classifier ---------------------------------------------------------------------------
IN_FIELDS = Where(in_fiche=True, in_fields=True)
IN_TABLE = Where(in_fiche=True, table_open=True, table_has_rows=True)


@pytest.mark.parametrize(
    ("line", "where", "kind", "text", "name"),
    [
        ("", Where(), Kind.BLANK, "", None),
        ("---\t---", Where(), Kind.BLANK, "", None),
        ("PILIER\tAXE\tOBJECTIF\tFICHES", Where(), Kind.SUMMARY_START, "", None),
        ("\tAxe 2 Emploi\t2.1 Lever les freins\t2.1.3", Where(in_summary=True), Kind.SUMMARY_ROW, "", None),
        ("<b>Fiche action n° 3.2.1</b>", Where(), Kind.FICHE_START, "", None),
        ("Droit commun\tEtat\tRégion\tCAF", IN_FIELDS, Kind.TABLE_HEADER, "", None),
        ("Coût de l'action\tEtat\tDépartement\tCommune", IN_FIELDS, Kind.TABLE_HEADER, "", None),
        ("\tCS\t4 000 €", IN_TABLE, Kind.TABLE_ROW, "", None),
        ("* dont 2 000 € en 2026", IN_TABLE, Kind.TABLE_NOTE, "", None),
        ("Coût total : 10 000 €", IN_FIELDS, Kind.COST_TOTAL, "", None),
        # Inside a field's text the words are no total line.
        ("le coût total reste à préciser", IN_FIELDS, Kind.FIELD_TEXT, "", None),
        ("**Objectif opérationnel n°2-1 :** lever les freins", Where(), Kind.HEADING, "", None),
        ("## Action 1 : ateliers", IN_FIELDS, Kind.HEADING, "Action 1 : ateliers", None),
        ("\tCrédits spécifiques\t4 000 €", IN_FIELDS, Kind.STRAY_ROW, "", None),
        ("<b>Calendrier</b>\t2024-2026", IN_FIELDS, Kind.FIELD, "2024-2026", "calendrier"),
        # Exports that lose the labels' bold: a first cell naming a field is its label.
        (
            "Quartiers concernés\tMosson, Petit Bard",
            IN_FIELDS,
            Kind.FIELD,
            "Mosson, Petit Bard",
            "territoire",
        ),
        ("suite du texte", Where(in_fiche=True, in_participation=True), Kind.PARTICIPATION, "", None),
        ("La participation des habitants", Where(in_fiche=True), Kind.PARTICIPATION_START, "", None),
        ("texte isolé", Where(in_fiche=True), Kind.UNATTACHED, "", None),
        ("texte avant toute fiche", Where(), Kind.IGNORED, "", None),
    ],
)
def test_classify(line, where, kind, text, name):
    seen = classify(line, where)
    assert seen.kind is kind
    if kind is Kind.HEADING and text == "":
        assert seen.text == line
    else:
        assert (seen.text, seen.name) == (text, name)


def test_a_first_row_under_a_header_without_row_label_is_a_row_not_a_header():
    line = "Droit commun\t\t6 000 €\t\t"
    where = Where(in_fiche=True, table_open=True, table_has_rows=False, table_header_has_row_label=False)
    assert classify(line, where).kind is Kind.TABLE_ROW


# -- the summary table -----------------------------------------------------------------------------
def test_summary_rows_run_the_outline_on(ctx):
    summary.read_row(
        ctx, cells("I. Pilier emploi\tAxe 2 Accès à l'emploi\t2.1 Lever les freins\t2.1.3\tAteliers")
    )
    summary.read_row(ctx, cells("\t\t\t2.1.4, 2.1.5\tDeux fiches"))
    assert ctx.summary["2-1-3"] == {
        "pillar": "I. Pilier emploi",
        "axis_code": "2",
        "axis_label": "Accès à l'emploi",
        "objective_code": "2-1",
        "objective_label": "Lever les freins",
        "title": "Ateliers",
    }
    # Two fiches on one row share their title cell: no title for either.
    assert ctx.summary["2-1-5"]["objective_code"] == "2-1" and ctx.summary["2-1-5"]["title"] is None


# -- fiche fields ------------------------------------------------------------------------------
def test_fields_and_their_continuation(ctx):
    fiche = _fiche(ctx)
    assert (fiche.code, fiche.title) == ("2-1-3", "Ateliers de français")
    fields.add_field(ctx, fiche, "territoire", "Mosson", 3)
    fields.continue_field(ctx, fiche, "et Petit Bard", 4)
    fields.add_field(ctx, fiche, "territoire", "Cévennes", 5)
    assert fiche.fields["territoire"] == ["Mosson", "et Petit Bard", "Cévennes"]
    assert fiche.field_numbers["territoire"] == [3, 4, 5] and fiche.last_line == 5
    assert [i.rule for i in ctx.result.issues] == ["repeated_field"]
    assert fields.field_name("Pilotes / partenaires") == "pilotes_partenaires"
    assert fields.field_name("Échéancier") == "calendrier"


def test_a_closed_fiche_row_and_its_cost_items(ctx):
    fiche = _fiche(ctx)
    fields.add_field(ctx, fiche, "moyens", "Moyens humains : 1 ETP Moyens financiers : location 1 500 €", 3)
    fiche_rows.emit(ctx, fiche)
    (row,) = ctx.result.tables["fiches"]
    assert (row["fiche_code"], row["axis_code"], row["objective_code"]) == ("2-1-3", "2", "2-1")
    assert (row["moyens_humains"], row["moyens_financiers"]) == ("1 ETP", "location 1 500 €")
    (cost,) = ctx.result.tables["action_costs"]
    assert (cost["amount_eur"], cost["source_line"]) == (Decimal("1500.00"), 3)
    assert "fiche_without_funding_table" in {i.rule for i in ctx.result.issues}


# -- funding tables and their money --------------------------------------------------------------
def test_a_funding_table_its_cells_lines_and_targets(ctx):
    fiche = _fiche(ctx)
    fields.add_field(ctx, fiche, "territoire", "Mosson", 3)
    table = tables.open_table(ctx, 4, cells(DOCUMENT[3]))
    tables.add_row_line(ctx, table, 5, cells(DOCUMENT[4]))
    tables.add_row_line(ctx, table, 6, cells(DOCUMENT[5]))
    tables.close(ctx)
    got = ctx.result.tables
    assert [t["table_id"] for t in got["funding_tables"]] == ["t00004"]
    assert [(c["row_type"], c["column_header"], c["raw_text"]) for c in got["funding_cells"]] == [
        ("droit_commun", "Etat", "12 000 €"),
        ("droit_commun", "Ville de Montpellier", "8 000 €"),
        ("credits_specifiques", "Etat", "5 000 € (BOP 147)"),
        ("credits_specifiques", "CAF", "3 000 €"),
    ]
    assert [
        (line["funder_code"], line["amount_eur"], line["source_line"]) for line in got["funding_lines"]
    ] == [
        ("ETAT", Decimal("12000.00"), 5),
        ("COM-34172", Decimal("8000.00"), 5),
        ("ACSE", Decimal("5000.00"), 6),  # programme 147 is the politique de la ville's credits
        ("CAF-34", Decimal("3000.00"), 6),
    ]
    assert [(t["qpv_code"], t["match_kind"]) for t in got["territory_targets"]] == [("QP034005", "exact")]
    assert ctx.result.issues == []


def test_a_cell_continued_on_the_next_line_is_joined(ctx):
    _fiche(ctx)
    table = tables.open_table(ctx, 4, cells(DOCUMENT[3]))
    tables.add_row_line(ctx, table, 5, cells("\t\t10 000 € (dont"))
    tables.add_row_line(ctx, table, 6, cells("\t\t2 000 € en 2025)"))
    tables.close(ctx)
    (cell,) = ctx.result.tables["funding_cells"]
    assert (cell["raw_text"], cell["source_lines"]) == ("10 000 € (dont 2 000 € en 2025)", [5, 6])
    assert "cell_joined" in {i.rule for i in ctx.result.issues}


# -- cost totals and the end of a document -------------------------------------------------------
def test_a_cost_total_line(ctx):
    _fiche(ctx)
    totals.read_total(ctx, DOCUMENT[6], 7)
    (total,) = ctx.result.tables["action_totals"]
    assert (total["fiche_code"], total["label"], total["amount_text"]) == (
        "2-1-3",
        "Coût total de l'action",
        "28 000 €",
    )
    (cost,) = ctx.result.tables["action_costs"]
    assert (cost["amount_eur"], cost["cost_kind"]) == (Decimal("28000.00"), "total")


def test_a_document_ending_inside_a_table_is_said_truncated(ctx):
    _fiche(ctx)
    tables.open_table(ctx, 4, cells(DOCUMENT[3]))
    ends.check_truncation(ctx)
    assert [(i.rule, i.line) for i in ctx.result.issues] == [("truncated_document", len(DOCUMENT))]
