"""Tests of the amount qualifiers and of period reading, on segments and calendars of the real programme.

Expected values were read by hand in
``data/documents/perpignan-mediterranee_programme-actions_pilier-economie-emploi.txt``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.qualifiers import Qualifiers, read_period, read_qualifiers

PROGRAMME = (
    Path(__file__).parent.parent
    / "data/documents/perpignan-mediterranee_programme-actions_pilier-economie-emploi.txt"
)
CALENDAR_FIELD = "<b>Calendrier de réalisation</b>\t"

NO_FLAGS = {
    "is_recurring": False,
    "is_estimate": False,
    "is_conditional": False,
    "is_in_kind": False,
    "to_be_assessed": False,
}


def flags(qualifiers: Qualifiers) -> dict[str, bool]:
    return {name: getattr(qualifiers, name) for name in NO_FLAGS}


# --- read_period ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("en 2015", (2015, 2015, "en 2015")),
        ("CDDI : 350 000 € pour l'année 2015", (2015, 2015, "pour l'année 2015")),
        ("pour l’année 2015", (2015, 2015, "pour l’année 2015")),
        ("24 192 € (montant estimé ; impact budget 2016).", (2016, 2016, "budget 2016")),
        ("(montant BP 2015)", (2015, 2015, "BP 2015")),
        ("15000 € (2016) puis 5000 € par an", (2016, 2016, "(2016)")),
        ("2015-2016", (2015, 2016, "2015-2016")),
        ("2015-2017.", (2015, 2017, "2015-2017")),
        ("2015 / 2017", (2015, 2017, "2015 / 2017")),
        ("2015 2016", (2015, 2016, "2015 2016")),
        ("juin 2015", (2015, 2015, "juin 2015")),
        ("novembre 2015 à juin 2016", (2015, 2016, "novembre 2015 à juin 2016")),
        ("année 2015", (2015, 2015, "année 2015")),
        ("le 1er septembre 2015", (2015, 2015, "le 1er septembre 2015")),
    ],
)
def test_read_period_closed(text: str, expected: tuple[int, int, str]) -> None:
    assert read_period(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2ème semestre 2015 et années suivantes", (2015, None, "2ème semestre 2015 et années suivantes")),
        ("2eme semestre 2015 et années suivantes", (2015, None, "2eme semestre 2015 et années suivantes")),
        ("À partir de Mai 2015", (2015, None, "À partir de Mai 2015")),
        ("à compter de 2016", (2016, None, "à compter de 2016")),
        (
            "2015 et années suivante (à d'avril 2015 pour la garantie jeunes)",
            (2015, None, "2015 et années suivante (à d'avril 2015"),
        ),
    ],
)
def test_read_period_open_ended_leaves_the_end_to_the_caller(
    text: str, expected: tuple[int, None, str]
) -> None:
    assert read_period(text) == expected


def test_read_period_spans_sub_actions_and_phases() -> None:
    assert read_period("Action A : 2015 Action B ( création ACI ) 2016") == (
        2015,
        2016,
        "2015 Action B ( création ACI ) 2016",
    )
    phases = (
        "<b>Phase 1 :</b> Centre-Ancien (Axe Foch-Augustins-Fusterie) : 2015-2017  "
        "<b>Phase 2 :</b> Autres QPV en souffrance : 2016-2018"
    )
    assert read_period(phases) == (
        2015,
        2018,
        "2015-2017  <b>Phase 2 :</b> Autres QPV en souffrance : 2016-2018",
    )


def test_open_wording_on_an_earlier_year_does_not_open_the_period() -> None:
    calendar = (
        "A1- juin 2015 A2-3 Déc 2015 B1-novembre 2015 à juin 2016 B2 de juin 2015 à octobre 2015 "
        "B3 et B6 à/c de septembre 2015 B4 et B5 année 2015"
    )
    start, end, text = read_period(calendar)
    assert (start, end) == (2015, 2016)
    assert text.startswith("juin 2015") and text.endswith("année 2015")
    assert text in calendar


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2 jours",
        "prime de 2000€ spécifique",  # an amount, not a year
        "DIRECCTE : 2015 €",
        "1989",
        "2041",
        "CV2015",
        "QP066008",
        "fiche 2.1.1",
        "2015,5",
        "13,2 %",
        "1 253 880 €",
        "Moyens humains : 0.20 ETP",
    ],
)
def test_read_period_none(text: str) -> None:
    assert read_period(text) == (None, None, "")


@pytest.mark.parametrize(("year", "read"), [(1990, True), (2040, True), (1989, False), (2041, False)])
def test_year_range_bounds(year: int, read: bool) -> None:
    assert read_period(f"en {year}")[0] == (year if read else None)


def test_amount_and_year_in_one_segment() -> None:
    assert read_period("prime de 2000€ en 2016") == (2016, 2016, "en 2016")


def test_real_calendars_of_the_programme() -> None:
    calendars = [
        line.split("\t", 1)[1].strip()
        for line in PROGRAMME.read_text(encoding="utf-8").splitlines()
        if line.startswith(CALENDAR_FIELD)
    ]
    assert [read_period(calendar)[:2] for calendar in calendars] == [
        (2015, 2016),  # A1- juin 2015 ... B1-novembre 2015 à juin 2016 ...
        (2015, 2016),
        (2015, 2016),
        (2015, 2016),  # Pôle ESS : 2015 2016 DLA : 2015-2016
        (2015, 2016),
        (2015, 2016),
        (2015, 2016),
        (2015, 2018),  # Phase 1 ... 2015-2017 Phase 2 ... 2016-2018
        (2015, 2018),  # Acquisition : 2015 / 2017 Travaux : 2017 / 2018
        (2015, 2017),
        (2015, 2016),  # Action A : 2015 Action B ( création ACI ) 2016
        (2015, None),  # 2ème semestre 2015 et années suivantes
        (2015, None),  # 2015 et années suivante (...)
        (2015, None),  # 2eme semestre 2015 et années suivantes
        (2015, None),  # À partir de Mai 2015
    ]
    for calendar in calendars:
        assert read_period(calendar)[2] in calendar


# --- read_qualifiers on real segments ------------------------------------------------------------


def test_recurring_rate() -> None:
    qualifiers = read_qualifiers("Co-financement du poste de facilitateur : 10 000€/an")
    assert flags(qualifiers) == NO_FLAGS | {"is_recurring": True}
    assert (qualifiers.year_start, qualifiers.year_end, qualifiers.year_text) == (None, None, "")


def test_year_for_the_amount() -> None:
    qualifiers = read_qualifiers(
        "CDDI (contrats à durée déterminée d'insertion) : 350 000 € pour l'année 2015"
    )
    assert (qualifiers.year_start, qualifiers.year_end, qualifiers.year_text) == (
        2015,
        2015,
        "pour l'année 2015",
    )
    assert flags(qualifiers) == NO_FLAGS


def test_estimate_with_budget_year() -> None:
    qualifiers = read_qualifiers(
        "Action marché-public « accompagnement aux TIC et à la bureautique » menée à l'échelle "
        "départementale : 24 192 € (montant estimé ; impact budget 2016)."
    )
    assert flags(qualifiers) == NO_FLAGS | {"is_estimate": True}
    assert (qualifiers.year_start, qualifiers.year_end) == (2016, 2016)


def test_estimate_plural_heading() -> None:
    qualifiers = read_qualifiers(
        "Actions d'insertion marché-public menées à l'échelle départementale : mesures d'accompagnement "
        "comportant des ateliers de savoir de base (montants estimés – impact budget 2016) : - Pôle "
        "d'Apprentissage de la langue : 70 000 €"
    )
    assert qualifiers.is_estimate
    assert (qualifiers.year_start, qualifiers.year_text) == (2016, "budget 2016")


def test_conditional_maximum() -> None:
    qualifiers = read_qualifiers("30 000 € maximum sous réserve de validation par l'Assemblée Départementale")
    assert flags(qualifiers) == NO_FLAGS | {"is_conditional": True}


def test_in_kind_with_rate() -> None:
    qualifiers = read_qualifiers(
        "6 000 € sur 2 jours : 3 000 € / jour (Mise à disposition de l'Amphithéâtre)"
    )
    assert flags(qualifiers) == NO_FLAGS | {"is_in_kind": True}
    assert qualifiers.fte is None


def test_in_kind_without_amount() -> None:
    qualifiers = read_qualifiers("M àD Amphi")
    assert flags(qualifiers) == NO_FLAGS | {"is_in_kind": True}


def test_fte_cell() -> None:
    qualifiers = read_qualifiers(
        "0,3 ETP sur les procédures d'acquisition, de montage d'opération et d'instruction du PC + budget "
        "communal / coût du projet (déterminer au regard de la future convention NPNRU)"
    )
    assert qualifiers.fte == Decimal("0.3")
    assert qualifiers.to_be_assessed
    assert qualifiers.year_start is None


def test_to_be_assessed_by_funder() -> None:
    qualifiers = read_qualifiers("CDC: à évaluer par la CDC (prêts)")
    assert flags(qualifiers) == NO_FLAGS | {"to_be_assessed": True}


def test_rate_per_day_with_estimate() -> None:
    qualifiers = read_qualifiers("Temps agent : 450 €par jour (coût estimatif)")
    assert flags(qualifiers) == NO_FLAGS | {"is_estimate": True}


def test_plain_funding_cell_has_no_qualifier() -> None:
    qualifiers = read_qualifiers("DIRECCTE : CIVIS= 31 250 €")
    assert qualifiers == Qualifiers(None, None, "", False, False, False, False, None, False)


def test_first_amount_then_recurring_amount() -> None:
    first = read_qualifiers("15000 € (2016)")
    second = read_qualifiers(" puis 5000 € par an")
    assert (first.year_start, first.year_text, first.is_recurring) == (2016, "(2016)", False)
    assert (second.year_start, second.is_recurring) == (None, True)


# --- each flag, both sides -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("10 000 € par an", True),
        ("10 000€/an", True),
        ("10 000 € / an", True),
        ("subvention annuelle de 5 000 €", True),
        ("crédits annuels", True),
        ("5 000 € chaque année", True),
        ("5 000 € par année", True),
        ("3 000 € / jour", False),
        ("sur 5 ans", False),
        ("annuaire des entreprises", False),
        ("prêt sur 5 ans avec un différé de remboursement de 1 an", False),
    ],
)
def test_recurring(segment: str, expected: bool) -> None:
    assert read_qualifiers(segment).is_recurring is expected


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("(montant estimé ; impact budget 2016)", True),
        ("(montants estimés – impact budget 2016)", True),
        ("(coût estimatif)", True),
        ("estimé à 5 000 €", True),
        ("environ 5 000 €", True),
        ("budget prévisionnel", True),
        ("5 000 € à titre indicatif", True),
        ("environnement de travail", False),
        ("5 000 €", False),
    ],
)
def test_estimate(segment: str, expected: bool) -> None:
    assert read_qualifiers(segment).is_estimate is expected


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("30 000 € maximum", True),
        ("sous réserve de validation", True),
        ("plafond de 10 000 €", True),
        ("aide plafonnée à 5 000 €", True),
        ("dans la limite de 5 000 €", True),
        ("au plus 5 000 €", True),
        ("maximiser le nombre de contrats", False),
        ("30 000 €", False),
    ],
)
def test_conditional(segment: str, expected: bool) -> None:
    assert read_qualifiers(segment).is_conditional is expected


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("Mise à disposition de l'Amphithéâtre", True),
        ("mise à disposition de locaux", True),
        ("mises à disposition de salles", True),
        ("M àD Amphi", True),
        ("M à D de salles pour organisation du concours", True),
        ("MàD Amphi", True),
        ("valorisation du temps agent", True),
        ("forum à destination des jeunes", False),
        ("Réaménagement des locaux", False),
        ("Amphi", False),
    ],
)
def test_in_kind(segment: str, expected: bool) -> None:
    assert read_qualifiers(segment).is_in_kind is expected


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("0,3 ETP", Decimal("0.3")),
        ("0,1 ETP+ Budget communautaire", Decimal("0.1")),
        ("Moyens humains : 0.20 ETP", Decimal("0.20")),
        ("1 ETP Accueil + 1 ETP accompagnement entreprises", Decimal("1")),
        ("ACI : 68 ETP réservés : 1 380 900 €", Decimal("68")),
        ("2 ETPT", Decimal("2")),
        ("fonctionnement hors ETP", None),
        ("Nombre d'ETP générés", None),
        ("30 000 €", None),
    ],
)
def test_fte(segment: str, expected: Decimal | None) -> None:
    assert read_qualifiers(segment).fte == expected


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("CDC: à évaluer par la CDC (prêts)", True),
        ("montant à définir", True),
        ("à préciser", True),
        ("ANRU (négociation à venir)", True),
        ("EPARECA (négociation en cours)", True),
        ("à compléter", True),
        ("coût à déterminer", True),
        ("(déterminer au regard de la future convention NPNRU)", True),
        ("En cours de définition", True),
        ("a definir", True),
        ("déterminer les besoins", False),
        ("10 000 €", False),
        ("évaluation de l'action", False),
    ],
)
def test_to_be_assessed(segment: str, expected: bool) -> None:
    assert read_qualifiers(segment).to_be_assessed is expected


# --- properties ----------------------------------------------------------------------------------


@settings(max_examples=200)
@given(st.text())
def test_property_never_raises(text: str) -> None:
    start, end, year_text = read_period(text)
    assert year_text in text
    if start is None:
        assert (end, year_text) == (None, "")
    else:
        assert 1990 <= start <= 2040 and year_text
        assert end is None or start <= end <= 2040
    read_qualifiers(text)


@settings(max_examples=200)
@given(
    first=st.integers(min_value=1990, max_value=2040),
    second=st.integers(min_value=1990, max_value=2040),
    separator=st.sampled_from(["-", " - ", " / ", " ", " à ", " et "]),
)
def test_property_two_years_make_a_period(first: int, second: int, separator: str) -> None:
    text = f"{first}{separator}{second}"
    assert read_period(text) == (min(first, second), max(first, second), text)
