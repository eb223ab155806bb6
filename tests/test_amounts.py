"""Tests of the French amount grammar, on shapes and whole cells taken from the real programme document.

Expected values were read by hand in
``data/documents/perpignan-mediterranee_programme-actions_pilier-economie-emploi.txt``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.amounts import AmountMatch, find_amounts, parse_amount

NBSP = "\u00a0"
NNBSP = "\u202f"


def values(text: str) -> list[Decimal]:
    return [amount.value for amount in find_amounts(text)]


def only(text: str) -> AmountMatch:
    found = find_amounts(text)
    assert len(found) == 1, found
    return found[0]


def assert_well_formed(text: str, found: list[AmountMatch]) -> None:
    previous_end = 0
    for amount in found:
        assert previous_end <= amount.start < amount.end <= len(text)
        assert text[amount.start : amount.end] == amount.text
        previous_end = amount.end


# --- single shapes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 253 880 €", "1253880"),
        ("15000€", "15000"),
        ("15 000€", "15000"),
        ("5000 €", "5000"),
        ("10 000 €", "10000"),
        ("19 875,06 €", "19875.06"),
        ("13,2 €", "13.20"),
        ("5.000 €", "5000"),
        ("1.253.880 €", "1253880"),
        ("1.253.880,50 €", "1253880.50"),
        ("€ 5 000", "5000"),
        ("€5000", "5000"),
        (f"1{NBSP}253{NBSP}880{NBSP}€", "1253880"),
        (f"1{NNBSP}253{NNBSP}880{NNBSP}€", "1253880"),
        ("5000 euros", "5000"),
        ("5 000 Euros", "5000"),
        ("1 euro", "1"),
        ("5000 EUR", "5000"),
        ("2000€", "2000"),
        ("2015 €", "2015"),
        ("0 €", "0"),
        ("0,50 €", "0.50"),
        ("12.5 €", "12.50"),
        ("2,345 €", "2.35"),  # comma is always decimal in French; rounded half up to the cent
    ],
)
def test_reads_plain_euro_shapes(text: str, expected: str) -> None:
    amount = only(text)
    assert amount.value == Decimal(expected)
    assert amount.value.as_tuple().exponent == -2
    assert amount.has_currency
    assert amount.scale == ""
    assert not amount.malformed
    assert amount.confidence == 1.0
    assert amount.note == ""
    assert amount.text == text


@pytest.mark.parametrize(
    ("text", "expected", "scale"),
    [
        ("50 k€", "50000", "k"),
        ("50k€", "50000", "k"),
        ("12,5 K€", "12500", "k"),
        ("50 k euros", "50000", "k"),
        ("2 M€", "2000000", "M"),
        ("1,2 M€", "1200000", "M"),
        ("1.5 M° d'€", "1500000", "M"),
        ("1.8 M° d’€", "1800000", "M"),  # typographic apostrophe
        ("1,5 M d'euros", "1500000", "M"),
        ("3 millions d'euros", "3000000", "M"),
        ("1,25 million €", "1250000", "M"),
        ("200 milliers d'euros", "200000", "k"),
    ],
)
def test_reads_scaled_amounts(text: str, expected: str, scale: str) -> None:
    amount = only(text)
    assert (amount.value, amount.scale, amount.text) == (Decimal(expected), scale, text)
    assert amount.has_currency and amount.confidence == 1.0


def test_rate_per_year_keeps_only_the_amount_in_the_match() -> None:
    amount = only("Co-financement du poste de facilitateur : 10 000€/an")
    assert amount.text == "10 000€"
    assert amount.value == Decimal("10000")


def test_amount_glued_to_following_word() -> None:
    amount = only("Temps agent : 450 €par jour (coût estimatif)")
    assert (amount.text, amount.value) == ("450 €", Decimal("450"))


def test_spans_point_into_the_text() -> None:
    text = "DIRECCTE -LR 15 000€\t\t15000€"
    found = find_amounts(text)
    assert [(a.start, a.end, a.text) for a in found] == [(13, 20, "15 000€"), (22, 28, "15000€")]


def test_tab_is_a_cell_boundary_not_a_separator() -> None:
    assert values("8 000 €\t15 000 €") == [Decimal("8000"), Decimal("15000")]
    # Never "19 000": "19" is a small bare number and "000 €" a leading-zero fragment.
    assert values("19\t000 €") == []


def test_newline_is_not_a_separator() -> None:
    assert values("12\n500 €") == [Decimal("500")]


# --- malformed grouping ------------------------------------------------------------------------------


def test_malformed_short_last_group_is_read_and_flagged() -> None:
    text = (
        "ETTI 265 00€ GEIQ 8 686 € ETP autres SIAE : voir fiche IAE "
        "Co-financement du poste de facilitateur sur 12 mois."
    )
    malformed, clean = find_amounts(text)
    assert (malformed.text, malformed.value, malformed.start, malformed.end) == (
        "265 00€",
        Decimal("26500"),
        5,
        12,
    )
    assert malformed.malformed and malformed.has_currency
    assert malformed.confidence <= 0.5
    assert "265 00" in malformed.note
    assert (clean.text, clean.value, clean.malformed, clean.confidence) == (
        "8 686 €",
        Decimal("8686"),
        False,
        1.0,
    )


def test_malformed_long_first_group_is_read_and_flagged() -> None:
    amount = only("CAE : 1253 880 €")
    assert (amount.value, amount.malformed, amount.confidence) == (Decimal("1253880"), True, 0.5)
    assert amount.note


def test_year_before_an_amount_is_not_malformed_grouping() -> None:
    amount = only("en 2015 880 €")
    assert (amount.text, amount.value, amount.malformed) == ("880 €", Decimal("880"), False)


def test_short_groups_without_currency_are_not_malformed_amounts() -> None:
    assert find_amounts("ETTI 265 00 GEIQ") == []


def test_leading_zero_fragment_is_not_an_amount() -> None:
    # Never read the "000 €" tail of a number whose head is glued to a code as zero euros.
    assert find_amounts("n°11 000 €") == []


# --- bare numbers ------------------------------------------------------------------------------------


def test_bare_number_after_funder_label() -> None:
    text = "DIRECCTE : 5000 Emplois aidés : 17 100€"
    bare, clean = find_amounts(text)
    assert (bare.text, bare.value, bare.has_currency, bare.malformed) == (
        "5000",
        Decimal("5000"),
        False,
        False,
    )
    assert bare.confidence == 0.5
    assert "label rule" in bare.note and "DIRECCTE" in bare.note
    assert (bare.start, bare.end) == (11, 15)
    assert (clean.text, clean.value, clean.has_currency, clean.confidence) == (
        "17 100€",
        Decimal("17100"),
        True,
        1.0,
    )


def test_bare_gross_amount_before_rate() -> None:
    text = "CDC :32 000 *20%=6400 €"
    gross, share = find_amounts(text)
    assert (gross.text, gross.value, gross.has_currency, gross.confidence) == (
        "32 000",
        Decimal("32000"),
        False,
        0.5,
    )
    assert "rate rule" in gross.note
    assert (share.text, share.value, share.has_currency) == ("6400 €", Decimal("6400"), True)


def test_gross_and_share_with_currency() -> None:
    found = find_amounts("62 000 €* 20% de QPV= 12400 €")
    assert [(a.text, a.value) for a in found] == [
        ("62 000 €", Decimal("62000")),
        ("12400 €", Decimal("12400")),
    ]
    assert all(a.has_currency and a.confidence == 1.0 for a in found)


@pytest.mark.parametrize(
    "text",
    [
        "DIRECCTE : 5000",  # end of cell
        "DIRECCTE : 5000 (CPE)",
        "CIVIS= 31 250",
        "DIRECCTE : (Finct GEIQ) : 10 290",
        "ACSE : 1 500,50 Emplois",
        "Montant de 10 000 x 20 %",
    ],
)
def test_bare_money_accepted_in_context(text: str) -> None:
    amount = only(text)
    assert not amount.has_currency and amount.confidence == 0.5 and amount.note


@pytest.mark.parametrize(
    "text",
    [
        "5000",  # no label, no rate
        "Montant 5000 pour tous",
        "Temps agent : 450 par jour",  # label is an ordinary word, and a lowercase word follows
        "DIRECCTE : 68",  # too small for money
        "ACI : 68 ETP réservés",
        "EI : 40 ETP :",
        "DIRECCTE : 500 ETP",
        "DIRECCTE : 2015",  # year
        "DIRECCTE : 1990",
        "CDC : 5000 personnes",
        "BOP : 102 304",  # reference label
        "fiche : 1500",
        "Tél : 0468686868",  # leading zero
        "SIRET : 123456789",
        "ACSE : 120 %",
        "ACSE : 150° C",
    ],
)
def test_bare_number_rejected(text: str) -> None:
    assert find_amounts(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "2015",
        "en 2015",
        "(2016)",
        "BP 2015",
        "Budget 2015",
        "2015-2016",
        "2ème semestre 2015",
        "20%",
        "13,2 %",
        "50% de",
        "0,3 ETP",
        "0.20 ETP",
        "68 ETP",
        "40 ETP",
        "20 ETP",
        "2 jours",
        "12 mois",
        "3 ACI",
        "sur 5 ans",
        "30 voitures dont 15 pour Perpignan",
        "fiche 2.1.1",
        "Cf Livret I fiche 2.1.1",
        "n°11",
        "Axe 2",
        "04 68 08 60 00",
        "QP066008",
        "PDEE_AS1_001",
        "CV235",
        "Convention avec le ministère du travail du 25 avril 2013",
        "Secteur géographique Septembre 2014",
        "objectif de réalisation de 13,% des contrats",
        "M àD Amphi",
        "CDC: à évaluer par la CDC (prêts)",
        "100,00%",
        "EA : 30 % CUI marchand : 12 %",
        "",
    ],
)
def test_not_amounts(text: str) -> None:
    assert find_amounts(text) == []


def test_percentage_and_year_next_to_amounts() -> None:
    assert values("DIRECCTE (50% de l'appui SPE AFPA ) 8000 €") == [Decimal("8000")]
    assert values("15000 € (2016) puis 5000 € par an") == [Decimal("15000"), Decimal("5000")]
    assert values("Budget 2015 5 000 €") == [Decimal("5000")]


def test_prefix_euro_does_not_steal_the_next_number() -> None:
    assert values("10 000 € 5 000 €") == [Decimal("10000"), Decimal("5000")]


def test_euro_between_a_year_and_a_number_is_a_prefix() -> None:
    amount = only("Budget 2015 € 5 000")
    assert (amount.text, amount.value, amount.start) == ("€ 5 000", Decimal("5000"), 12)


def test_implausibly_long_digit_runs_are_not_amounts() -> None:
    assert find_amounts("1234567890123 €") == []
    assert values("123456789012 €") == [Decimal("123456789012")]


# --- real cells ----------------------------------------------------------------------------------


def test_cell_with_several_named_funders() -> None:
    text = (
        "DIRECCTE : CIVIS= 31 250 € Allocation CIVIS : 30 779 € E2C : 39 600 € ACSE/DRJSCS : 20 000€ "
        "garantie jeunes : 108 800€ (accept) allocation= 170 000€"
    )
    found = find_amounts(text)
    assert [a.value for a in found] == [
        Decimal("31250"),
        Decimal("30779"),
        Decimal("39600"),
        Decimal("20000"),
        Decimal("108800"),
        Decimal("170000"),
    ]
    assert [(a.start, a.end) for a in found] == [
        (18, 26),
        (46, 54),
        (61, 69),
        (84, 91),
        (110, 118),
        (140, 148),
    ]
    assert all(a.has_currency and a.confidence == 1.0 for a in found)
    assert_well_formed(text, found)


def test_cell_of_contrats_aides() -> None:
    text = "CAE : 1 253 880 € CIE: 454 896 € EAVmarchand : 289 800€ EAV non marchand: 1 042 875 €"
    found = find_amounts(text)
    assert [(a.text, a.value) for a in found] == [
        ("1 253 880 €", Decimal("1253880")),
        ("454 896 €", Decimal("454896")),
        ("289 800€", Decimal("289800")),
        ("1 042 875 €", Decimal("1042875")),
    ]
    assert_well_formed(text, found)


def test_cell_with_fte_counts_and_of_which_part() -> None:
    text = (
        "DIRECCTE : ACI : 68 ETP réservés : 1 380 900 € (dont 3 ACI Centre ancien=731 000€)  "
        "EI : 40 ETP : 40 000 € ETTI : 20 ETP : 90 000 €"
    )
    assert values(text) == [Decimal("1380900"), Decimal("731000"), Decimal("40000"), Decimal("90000")]


def test_cell_with_budget_year() -> None:
    text = (
        "Budget 2015 relatif aux structures existantes : "
        "ACI : 274 500 € EI : 32 000 € ETTI : 21 000 € AI : 65 000 € **"
    )
    assert values(text) == [Decimal("274500"), Decimal("32000"), Decimal("21000"), Decimal("65000")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "15 000 € = 12 000€ sur ingénierie et 3 000€ sur l'animation du dispositif",
            ["15000", "12000", "3000"],
        ),
        ("6 000 € sur 2 jours : 3 000 € / jour (Mise à disposition de l'Amphithéâtre)", ["6000", "3000"]),
        ("30 000 € maximum sous réserve de validation par l'Assemblée Départementale", ["30000"]),
        ("15000 € (2016) puis 5000 € par an", ["15000", "5000"]),
        ("15 000 € (2016) PUIS 10 000 € par an, pour réédition et remise à jour", ["15000", "10000"]),
        (
            "Actions d'insertion marché-public menées à l'échelle départementale : mesures d'accompagnement "
            "comportant des ateliers de savoir de base (montants estimés – impact budget 2016) : - Pôle "
            "d'Apprentissage de la langue : 70 000 € - Pôle de Mobilisation Socio-Professionnel : 146 400 € "
            "- Remise à niveau : 63 000 €",
            ["70000", "146400", "63000"],
        ),
        ("DIRECCTE (50% de l'appui SPE AFPA ) 8000 €", ["8000"]),
        (
            "0,3 ETP sur les procédures d'acquisition, de montage d'opération et d'instruction du PC "
            "+ budget communal / coût du projet (déterminer au regard de la future convention NPNRU)",
            [],
        ),
        ("0,1 ETP+ Budget communautaire", []),
        ("M àD Amphi", []),
        ("CDC: à évaluer par la CDC (prêts)", []),
        ("DIRECCTE : 10 000€  CDC: à évaluer par la CDC (prêts)", ["10000"]),
        ("Al Sol : 1.5 M° d’€ (Réaménagement des locaux + fonctionnement hors ETP)", ["1500000"]),
        ("Coût total de l’opération :Al Sol : 1.8 M° d’€", ["1800000"]),
        (
            "Temps agent : 450 €par jour (coût estimatif) Sensibilisation : ½ journée Diagnostic : 1 jour",
            ["450"],
        ),
        ("*Coût total de l'action 350 000 €*", ["350000"]),
        ("**COUT TOTAL DE L'ACTION : 365 000 €**", ["365000"]),
        (
            "Achat des machines : Imprimante 3D, découpe laser, matière première, ordinateurs... : 100 000 € "
            "+ location des locaux et fonctionnement",
            ["100000"],
        ),
        (
            "Prêt Entreprises et Quartiers de BPI France (de 10 000 € à 50 000 € sur 5 ans, avec un différé "
            "de remboursement de 1 an, sans garantie prise sur l'entrepreneur).",
            ["10000", "50000"],
        ),
        ("prime de 2000€ spécifique pour entrepreneurs des QPV", ["2000"]),
        (
            "Etude commerce NPNRU : 70 000 € Frais financiers (intervention de l'EPFL) : 150 000 € "
            "Remise aux normes des locaux : 100 000 € "
            "Réhabilitation de l'axe Foch-Augustin-Fusterie : 30 000 € SMART CITY : 15 000 €",
            ["70000", "150000", "100000", "30000", "15000"],
        ),
        ("CDDI (contrats à durée déterminée d'insertion) : 350 000 € pour l'année 2015", ["350000"]),
        ("EAV/CRIA : 6 000 € en 2015", ["6000"]),
        ("DIRECCTE : (Finct GEIQ) : 10 290 €", ["10290"]),
        (
            "Financement GEIQ BTP 23 000 € aide à l'accompagnement et aux postes occupés par les "
            "bénéficiaires du rSa (montant BP 2015)",
            ["23000"],
        ),
        ("Cf Livret I fiche 2.1.1\t4 000€\t2 500€", ["4000", "2500"]),
        ("Action marché-public : 24 192 € (montant estimé ; impact budget 2016).", ["24192"]),
        ("DIRECCTE : 9150€ ACSE : 6 100€", ["9150", "6100"]),
        ("ACSE 5 000€ DRJSCS 15 000€", ["5000", "15000"]),
        ("DIRECCTE (CPE AFPA) : 5000 €", ["5000"]),
        ("3- soutien aux associations 8 000€", ["8000"]),
    ],
)
def test_real_cells(text: str, expected: list[str]) -> None:
    found = find_amounts(text)
    assert [a.value for a in found] == [Decimal(value) for value in expected]
    assert_well_formed(text, found)


def test_full_funding_line_of_the_real_table() -> None:
    line = (
        "\t\t62 000 €* 20% de QPV= 12400 € 3- soutien aux associations 8 000€\t19 000 €\t8 000 €\t15 000 €\t"
        "15 000 € = 12 000€ sur ingénierie et 3 000€ sur l'animation du dispositif\tCDC :32 000 *20%=6400 €"
    )
    found = find_amounts(line)
    assert [a.value for a in found] == [
        Decimal(v)
        for v in [
            "62000",
            "12400",
            "8000",
            "19000",
            "8000",
            "15000",
            "15000",
            "12000",
            "3000",
            "32000",
            "6400",
        ]
    ]
    assert [a.has_currency for a in found].count(False) == 1
    assert_well_formed(line, found)


# --- parse_amount ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 253 880 €", "1253880"),
        ("  15000€ ", "15000"),
        (f"{NBSP}5 000 €{NBSP}", "5000"),
        ("€ 5 000", "5000"),
        ("1.5 M° d’€", "1500000"),
        ("50 k€", "50000"),
        ("19 875,06 €", "19875.06"),
        ("15000", "15000"),  # the caller vouches that a bare cell is an amount
        ("2000€", "2000"),
    ],
)
def test_parse_amount_reads_one_amount(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "265 00€",  # malformed: use find_amounts to get the flag
        "2015",
        "5000 € par an",
        "10 000 € 5 000 €",
        "20%",
        "0,3 ETP",
        "à évaluer",
        "0468686868",
        "€",
    ],
)
def test_parse_amount_rejects(text: str) -> None:
    assert parse_amount(text) is None


# --- properties ------------------------------------------------------------------------------------

SEPARATORS = [" ", NBSP, NNBSP, ".", ""]
CONTEXTS = [("", ""), ("DIRECCTE : ", " (accept)"), ("Budget 2015 ", " par an"), ("CAE: ", "\tCIE")]


def french_format(integer: int, cents: int | None, separator: str) -> str:
    digits = str(integer)
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    number = separator.join(groups)
    return number if cents is None else f"{number},{cents:02d}"


@settings(max_examples=200)
@given(
    integer=st.integers(min_value=1, max_value=99_999_999),
    cents=st.one_of(st.none(), st.integers(min_value=0, max_value=99)),
    separator=st.sampled_from(SEPARATORS),
    currency=st.sampled_from(["{} €", "{}€", f"{{}}{NBSP}€", "{} euros", "{} EUR", "€ {}", "€{}"]),
    context=st.sampled_from(CONTEXTS),
)
def test_property_french_formats_read_back(
    integer: int, cents: int | None, separator: str, currency: str, context: tuple[str, str]
) -> None:
    amount_text = currency.format(french_format(integer, cents, separator))
    text = context[0] + amount_text + context[1]
    expected = Decimal(integer) + (Decimal(cents) / 100 if cents is not None else 0)
    amount = only(text)
    assert amount.value == expected
    assert amount.text == amount_text
    assert amount.start == len(context[0])
    assert amount.has_currency and not amount.malformed and amount.confidence == 1.0
    assert parse_amount(amount_text) == expected


@settings(max_examples=200)
@given(st.text())
def test_property_never_raises_and_spans_are_consistent(text: str) -> None:
    found = find_amounts(text)
    assert_well_formed(text, found)
    for amount in found:
        assert amount.value.as_tuple().exponent == -2
        assert 0.0 < amount.confidence <= 1.0
        assert amount.scale in ("", "k", "M")


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from(list("0123456789 ,.€kM°d'’%*=:ETPan\t\u00a0\u202f"))))
def test_property_never_raises_on_number_like_text(text: str) -> None:
    found = find_amounts(text)
    assert_well_formed(text, found)
    parse_amount(text)
