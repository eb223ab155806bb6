"""Documents of other contracts read as well as the bundled ones: contract, funders on the contract's
territory, QPVs by name within the contract, other pillars, phrasings and layouts.

The three programmes of ``tests/documents/`` were written for these tests from the genre's conventions
(fiches with funding tables, funders named by role: "CD", "Ville", "CAF"), not by renaming the bundled
programme: Carcassonne Agglo (CV037, cohésion sociale, fiches numbered ``1.1.1``, a second table layout
with the CAF column first, a cost in the "Coût de l'action" cell), Montpellier Méditerranée Métropole
(CV112, cadre de vie: ANRU, bailleurs, FSL, a QPV share written "× 25 % QPV =") and the Grand
Narbonne's 2024 contract (CN01103I, employment, an acronym the document defines, France Travail,
DREETS, ANCT). The expected tables below are my reading of each funding table by hand: one row per
amount a funder puts in, with the funder the text gives it on the contract's territory.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingest import reference, territories
from ingest.contracts import recognise_contract
from ingest.funding import CellContext, read_cell
from ingest.manifest import contract_hint
from ingest.pipeline import read_document
from ingest.reading import read_file
from ingest.records import ParseResult
from ingest.territories import commune_in_name, contract_qpvs, territory_of
from ingest.territory import resolve

ROOT = Path(__file__).resolve().parent.parent
DOCS = Path(__file__).resolve().parent / "documents"
CARCASSONNE = DOCS / "carcassonne-agglo_programme_cohesion-sociale.txt"
MONTPELLIER = DOCS / "montpellier-mediterranee-metropole_programme_cadre-de-vie.txt"
NARBONNE = DOCS / "grand-narbonne_programme_emploi_2024.txt"
BEZIERS_ANNEX = DOCS / "beziers-mediterranee_annexe_objectifs-bop.txt"
TOULOUSE = DOCS / "toulouse-metropole_fiches_culture-sport.txt"
PERPIGNAN = (
    ROOT / "data" / "documents" / "perpignan-mediterranee_programme-actions_pilier-economie-emploi.txt"
)

# (fiche, amount, funder) in document order.
CARCASSONNE_LINES = [
    ("1-1-1", "15000", "EDUCATION_NATIONALE"),  # "Éducation nationale : 15 000 € par an" (État column)
    ("1-1-1", "100000", "COM-11069"),  # "40 % de 250 000 € soit 100 000 € par an": the share
    ("1-1-1", "8000", "CAF-11"),  # REAAP, the CAF's
    ("1-1-1", "10000", "AUTRE-FONDATION-DE-FRANCE"),  # "Fondation de France : 10 000 € en 2016"
    ("1-1-1", "120000", "ACSE"),  # PRE, crédits spécifiques
    ("1-2-1", "45000", "CAF-11"),  # CLAS under the CAF column (first column in this layout)
    ("1-2-1", "4500", "COM-11069"),  # "30 € par enfant, soit 4 500 €": the total, not the rate
    ("1-2-1", "6000", "DRAC"),  # a State service named in the État column is that service
    ("1-2-1", "12000", "ACSE"),  # named in the CAF column: the name wins
    ("1-2-1", "9000", "ETAT"),  # "(18 000 €) = 9 000 €": the share, the gross in parentheses
    ("1-2-1", "7500", "DEP-11"),  # "Conseil Départemental : 7 500 € en 2017"
    ("2-1-1", "25000", "ARS"),
    ("2-1-1", "20000", "EPCI-200035715"),  # the "Carcassonne Agglo" column
    ("2-1-1", "5000", "COM-11069"),
    ("2-1-1", "3000", "AUTRE-MUTUALITE-FRANCAISE"),
    ("2-1-1", "20000", "ACSE"),  # "CGET : 20 000 € (ASV)"
    ("3-1-1", "58000", "ETAT"),  # adultes-relais: the State's
    ("3-1-1", "10000", "EPCI-200035715"),  # "Budget communautaire"
    ("3-1-1", "22000", "COM-11069"),
    ("3-1-1", "6000", "DEP-11"),
    ("3-1-1", "4000", "AUTRE-ACTION-LOGEMENT"),
    ("3-1-1", "15000", "PREFECTURE"),  # FIPD
    ("3-1-1", "8000", "REG-76"),  # "Région Occitanie" in the Agglo column
]
MONTPELLIER_LINES = [
    ("1-1-1", "12000", "DDT"),  # DDTM
    ("1-1-1", "45000", "EPCI-243400017"),
    ("1-1-1", "60000", "COM-34172"),
    ("1-1-1", "150000", "AUTRE-BAILLEURS-SOCIAUX"),
    ("1-1-1", "30000", "ACSE"),
    ("1-2-1", "4200000", "ANRU"),
    ("1-2-1", "3100000", "EPCI-243400017"),
    ("1-2-1", "2800000", "COM-34172"),
    ("1-2-1", "1000000", "DEP-34"),
    ("1-2-1", "900000", "AUTRE-ACTION-LOGEMENT"),
    ("1-2-1", "500000", "CDC"),
    ("2-1-1", "8000", "DDCSPP"),
    ("2-1-1", "20000", "DEP-34"),  # "FSL : 80 000 € par an × 25 % QPV = 20 000 €"
    ("2-1-1", "10000", "CAF-34"),
    ("2-1-1", "5000", "EPCI-243400017"),  # "Métropole : 5 000 €"
]
NARBONNE_LINES = [
    ("1-1-1", "35000", "DIRECCTE"),  # DREETS
    ("1-1-1", "12000", "EPCI-241100593"),  # the "CAGN" column: the acronym the document defines
    ("1-1-1", "18000", "DEP-11"),  # rSa
    ("1-1-1", "9000", "REG-76"),
    ("1-1-1", "14000", "POLE_EMPLOI"),  # POE
    ("1-1-1", "16000", "ACSE"),  # ANCT
    ("1-1-1", "6000", "EPCI-241100593"),
    ("1-2-1", "240000", "DIRECCTE"),  # "(dont chantier Narbonne Centre = 80 000 €)": not a line
    ("1-2-1", "15000", "EPCI-241100593"),
    ("1-2-1", "10000", "COM-11262"),  # "Ville : 10 000 €": Narbonne, the contract's commune
    ("1-2-1", "45000", "DEP-11"),
    ("1-2-1", "7000", "AUTRE-FONDATION-VINCI-POUR-LA-CITE"),
]
# Fields without bold labels ("Quartiers concernés<TAB>..."), titles on the fiche line, a header with
# no "Droit commun" (the rows carry their label), the cost in the first cell of a row.
TOULOUSE_LINES = [
    ("4-1-1", "30000", "CNDS"),
    ("4-1-1", "25000", "COM-31555"),
    ("4-1-1", "12000", "DEP-31"),  # "Conseil départemental de la Haute-Garonne"
    ("4-1-1", "5000", "AUTRE-FONDATION-DU-SPORT"),
    ("4-1-1", "18000", "ACSE"),  # "CGET (VVV)"
    ("4-1-2", "20000", "DRAC"),
    ("4-1-2", "15000", "EPCI-243100518"),
    ("4-1-2", "5000", "CAF-31"),
    ("4-1-2", "10000", "COM-31149"),  # "Ville de Colomiers", a commune of the Métropole
]
CASES = [
    (CARCASSONNE, "CV037", CARCASSONNE_LINES, "533000"),
    (MONTPELLIER, "CV112", MONTPELLIER_LINES, "12840000"),
    (NARBONNE, "CN01103I", NARBONNE_LINES, "427000"),
    (TOULOUSE, "CV101", TOULOUSE_LINES, "140000"),
]


def _lines(result: ParseResult) -> list[tuple[str, str, str]]:
    return [
        (line["fiche_code"], f"{line['amount_eur']:f}".rstrip("0").rstrip("."), line["funder_code"])
        for line in result.tables["funding_lines"]
    ]


@pytest.mark.parametrize(
    ("path", "contract", "expected", "total"), CASES, ids=lambda v: getattr(v, "stem", None)
)
def test_every_line_and_funder_of_another_contract(path: Path, contract: str, expected, total: str) -> None:
    doc = read_document(path)
    assert doc.kind == "programme_actions"
    assert doc.result.contract_code == contract
    assert doc.result.contract.rule == "title"
    assert _lines(doc.result) == expected
    assert sum(line["amount_eur"] for line in doc.result.tables["funding_lines"]) == Decimal(total)
    assert not [
        i
        for i in doc.issues
        if i.severity == "error" or i.rule in ("unknown_contract", "funder_not_identified")
    ]
    assert all(line["funder_role"] for line in doc.result.tables["funding_lines"])


def test_funder_roles_and_names_of_bodies_no_rule_knows() -> None:
    lines = read_document(CARCASSONNE).result.tables["funding_lines"]
    roles = {line["funder_code"]: line["funder_role"] for line in lines}
    assert roles["DEP-11"] == "departement" and roles["CAF-11"] == "caf" and roles["REG-76"] == "region"
    assert roles["EPCI-200035715"] == "epci" and roles["COM-11069"] == "commune"
    assert roles["DRAC"] == "service_etat" and roles["ARS"] == "agence_etat"
    names = {line["funder_code"]: line["funder_name"] for line in lines if line["funder_role"] == "autre"}
    assert names == {
        "AUTRE-FONDATION-DE-FRANCE": "Fondation de France",
        "AUTRE-MUTUALITE-FRANCAISE": "Mutualité Française",
        "AUTRE-ACTION-LOGEMENT": "Action Logement",
    }


def test_shares_rates_and_years_as_the_text_says() -> None:
    lines = read_document(CARCASSONNE).result.tables["funding_lines"]
    share = next(line for line in lines if line["amount_eur"] == 100000)
    assert (share["gross_amount_eur"], share["share_rate"], share["is_recurring"]) == (
        Decimal("250000"),
        40.0,
        True,
    )
    assert (share["year_start"], share["year_end"], share["year_source"]) == (2015, 2020, "calendar")
    rate = next(line for line in lines if line["amount_eur"] == 4500)
    assert (rate["rate_amount_eur"], rate["rate_unit"]) == (Decimal("30"), "enfant")
    paren = next(line for line in lines if line["amount_eur"] == 9000)
    assert paren["gross_amount_eur"] == Decimal("18000")
    fondation = next(line for line in lines if line["funder_code"] == "AUTRE-FONDATION-DE-FRANCE")
    assert (fondation["year_start"], fondation["year_end"], fondation["year_source"]) == (
        2016,
        2016,
        "amount",
    )
    open_ended = next(line for line in lines if line["amount_eur"] == 22000)
    assert (open_ended["year_start"], open_ended["year_end"]) == (
        2016,
        None,
    )  # "À partir de 2016 et années suivantes"
    montpellier = read_document(MONTPELLIER).result.tables["funding_lines"]
    fsl = next(line for line in montpellier if line["dispositif_code"] == "FSL")
    assert (fsl["amount_eur"], fsl["gross_amount_eur"], fsl["share_rate"]) == (
        Decimal("20000"),
        Decimal("80000"),
        25.0,
    )
    narbonne = read_document(NARBONNE).result.tables["funding_lines"]
    aci = next(line for line in narbonne if line["amount_eur"] == 240000)
    assert aci["part_amounts_eur"] == [Decimal("80000")]


def test_the_cost_in_the_cost_of_action_cell_is_a_cost() -> None:
    costs = read_document(CARCASSONNE).result.tables["action_costs"]
    assert [(c["fiche_code"], c["amount_eur"], c["cost_kind"], c["source_field"]) for c in costs] == [
        ("1-1-1", Decimal("380000"), "total", "table"),
        ("3-1-1", Decimal("140000"), "total", "total"),
    ]
    montpellier = read_document(MONTPELLIER).result.tables["action_costs"]
    assert ("1-2-1", Decimal("12500000"), "table") in [
        (c["fiche_code"], c["amount_eur"], c["source_field"]) for c in montpellier
    ]


def _targets(result: ParseResult) -> dict[str, list[str]]:
    fiches: dict[str, list[str]] = {}
    for row in result.tables["territory_targets"]:
        fiches.setdefault(row["fiche_code"], [])
        if row["qpv_code"] not in fiches[row["fiche_code"]]:
            fiches[row["fiche_code"]].append(row["qpv_code"])
    return fiches


def test_qpvs_by_name_within_the_contract() -> None:
    carcassonne = read_document(CARCASSONNE).result
    assert carcassonne.contract_qpvs == ["QP011002", "QP011003", "QP011004", "QP011005", "QP011006"]
    assert _targets(carcassonne) == {
        "1-1-1": ["ALL"],  # "Tous les quartiers prioritaires de Carcassonne"
        "1-2-1": ["QP011002", "QP011003"],  # "La Conte - Ozanam et Le Viguier"
        "2-1-1": ["QP011006", "QP011005", "QP011003"],  # "Grazailles, Fleming La Reille et Saint-Jacques"
        "3-1-1": [
            "QP011002",
            "QP011004",
            "QP011003",
        ],  # "La Conte, Bastide Pont-Vieux (Trivalle) et quartier Saint-Jacques"
    }
    montpellier = read_document(MONTPELLIER).result
    assert _targets(montpellier) == {
        "1-1-1": ["QP034005", "QP034006", "QP034008"],
        "1-2-1": ["QP034005"],
        "2-1-1": ["ALL"],
    }
    assert len(montpellier.contract_qpvs) == 12
    toulouse = read_document(TOULOUSE).result
    # Colomiers' QPVs are not in the rule's list (its name is not in the Métropole's), but the
    # document names the commune and its QPVs: taken, with an issue row.
    assert _targets(toulouse) == {
        "4-1-1": ["QP031007", "QP031010", "QP031011"],
        "4-1-2": ["QP031005", "QP031016"],
    }
    assert {"QP031005", "QP031016"} <= set(toulouse.contract_qpvs)
    assert [f["title"] for f in toulouse.tables["fiches"]] == [
        "Accès à la pratique sportive",
        "Éducation artistique et culturelle",
    ]
    narbonne = read_document(NARBONNE).result
    assert _targets(narbonne)["1-1-1"] == ["QP011007", "QP011009"]
    assert set(narbonne.contract_qpvs) == {"QP011007", "QP011008", "QP011009"}


def test_a_sub_neighbourhood_alias_of_another_contract_is_not_taken() -> None:
    # "Saint-Jacques" is an alias of Perpignan's Centre Ancien; in Carcassonne it is Le Viguier - Saint-Jacques.
    assert [m.qpv_code for m in resolve("Saint-Jacques", territory_of("CV037"))] == ["QP011003"]
    assert [m.qpv_code for m in resolve("Saint-Jacques", territory_of("CV235"))] == ["QP066008"]
    # "Centre Ville" names QPVs of several communes of the Hérault: only Béziers' is Béziers'.
    assert [m.qpv_code for m in resolve("Centre Ville", territory_of("CV110"))] == ["QP034001"]
    # A place that is not a QPV names none; "autres QPV" neither.
    assert [m.qpv_code for m in resolve("Zone d'activité de la Bouriette", territory_of("CV037"))] == []
    assert [m.qpv_code for m in resolve("Autres QPV en souffrance", territory_of("CV037"))] == ["NONE"]
    assert [m.qpv_code for m in resolve("les cinq quartiers prioritaires", territory_of("CV037"))] == ["ALL"]


def test_contract_qpvs_by_rule_from_the_national_reference() -> None:
    assert commune_in_name("Carcassonne", "CA Carcassonne Agglo")
    assert commune_in_name("Limoux", "CC du Limouxin")
    assert commune_in_name("Albi", "CA de l'Albigeois (C2A)")
    assert not commune_in_name("Saint-Gilles", "CA de Nîmes Métropole")
    assert contract_qpvs("CV037") == (contract_qpvs("CV037")[0], "commune_name")
    assert [q.code for q in contract_qpvs("CV040")[0]] == ["QP011007", "QP011008", "QP011009"]
    assert contract_qpvs("CV235")[1] == "explicit"
    assert contract_qpvs("CV035") == ((), "none")  # Grand Troyes: no QPV list of its région here


def test_territorial_codes_of_a_contract() -> None:
    narbonne = territory_of("CV040")
    assert [narbonne.code_for_role(role) for role in ("departement", "region", "caf", "epci", "commune")] == [
        "DEP-11",
        "REG-76",
        "CAF-11",
        "EPCI-241100593",
        "COM-11262",
    ]
    # No contract: the bare role, never a guess of its territory.
    unknown = territory_of(None)
    assert unknown.code_for_role("departement") == "DEP" and unknown.code_for_role("commune") == "COM"
    # A commune outside the reference is kept by its département and name.
    reading = read_cell("Ville de Bram : 2 000 €", CellContext("État", "droit_commun", narbonne))
    assert [(line["funder_code"], line["funder_name"]) for line in reading.lines] == [("COM-11-BRAM", "Bram")]


# -- recognising the contract -------------------------------------------------------------------


def test_contracts_recognised_from_the_document() -> None:
    assert recognise_contract("Contrat de ville de Lézignan-Corbières").code == "CV038"
    assert recognise_contract("CONTRAT DE VILLE DU GRAND NARBONNE 2015-2020").code == "CV040"
    assert recognise_contract("Contrat de ville du Grand Narbonne 2024-2030").code == "CN01103I"
    assert (
        recognise_contract(
            "# Programme\nLa Communauté d'Agglomération Béziers Méditerranée et l'État, 2015"
        ).code
        == "CV110"
    )
    match = recognise_contract(read_file(PERPIGNAN).text)
    assert (match.code, match.rule) == ("CV235", "acronym") and match.confidence >= 0.85


def test_an_ambiguous_or_absent_contract_is_not_guessed() -> None:
    both = recognise_contract(
        "Contrat de ville de Carcassonne Agglo\nContrat de ville du Grand Narbonne\n2016"
    )
    assert both.code is None and both.rule == "ambiguous" and set(both.candidates) == {"CV037", "CV040"}
    none = recognise_contract("Fiche action n° 1-1-1\nUn texte qui ne nomme aucun contrat.")
    assert none.code is None and none.rule == "none"
    weak = recognise_contract("Le quartier Saint-Martin, la rue Saint-Martin.")  # a street, not a contract
    assert weak.code is None


def test_the_user_says_the_contract(tmp_path: Path) -> None:
    text = CARCASSONNE.read_text(encoding="utf-8").replace(
        "Contrat de ville de Carcassonne Agglo 2015-2020", "Programme"
    )
    text = re.sub(r"Carcassonne( Agglo)?", "", text)
    path = tmp_path / "sans-nom.txt"
    path.write_text(text, encoding="utf-8")
    unnamed = read_document(path)
    assert unnamed.result.contract_code is None
    assert "unknown_contract" in [i.rule for i in unnamed.issues]
    # The bare roles, not a guess: the Département of which département is not known.
    assert "DEP" in {line["funder_code"] for line in unnamed.result.tables["funding_lines"]}
    given = read_document(path, "CV037")
    assert (given.result.contract_code, given.result.contract.rule) == ("CV037", "user")
    assert "DEP-11" in {line["funder_code"] for line in given.result.tables["funding_lines"]}
    (tmp_path / "cdv.toml").write_text(
        'contract = "CV040"\n[files]\n"sans-nom.txt" = "CV037"\n', encoding="utf-8"
    )
    (tmp_path / "autre.txt").write_text("x", encoding="utf-8")
    assert contract_hint(path) == "CV037"
    assert contract_hint(tmp_path / "autre.txt") == "CV040"
    assert contract_hint(path, "CV112") == "CV112"


# -- the bundled programme re-set in another territory (the issue's own reproduction) ------------

PERPIGNAN_TO_CARCASSONNE = [
    ("Perpignan Méditerranée Communauté d'Agglomération", "Carcassonne Agglo"),
    ("Communauté d'Agglomération Perpignan Méditerranée", "Carcassonne Agglo"),
    ("Communauté d'Agglomération Perpignan", "Carcassonne Agglo"),
    ("Perpignan Méditerranée", "Carcassonne Agglo"),
    ("PMCA", "Carcassonne Agglo"),
    ("Ville de Perpignan", "Ville de Carcassonne"),
    ("VILLE DE PERPIGNAN", "VILLE DE CARCASSONNE"),
    ("DIRECCTE UT 66", "DIRECCTE UT 11"),
    ("Perpignan", "Carcassonne"),
    ("Saint Assisclé", "La Conte"),
    ("Bas Vernet", "Grazailles"),
    ("Bas-Vernet", "Grazailles"),
    ("diagonale Haut et Moyen Vernet", "Fleming La Reille"),
    ("rois de Majorque", "Bastide Pont-Vieux"),
    ("Centre ancien", "Le Viguier"),
    ("Centre Ancien", "Le Viguier"),
    ("Centre-Ancien", "Le Viguier"),
    ("centre ancien", "Le Viguier"),
    ("Champs de Mars", "Ozanam"),
    ("Champ de mars", "Ozanam"),
    ("Nouveau logis", "Fleming"),
    ("Vernet", "Grazailles"),
    ("Saint Jacques", "Saint-Jacques"),
]


def test_the_bundled_programme_re_set_in_carcassonne(tmp_path: Path) -> None:
    text = PERPIGNAN.read_text(encoding="utf-8")
    for old, new in PERPIGNAN_TO_CARCASSONNE:
        text = text.replace(old, new)
    path = tmp_path / "carcassonne-agglo_programme.txt"
    path.write_text(text, encoding="utf-8")
    original = read_document(PERPIGNAN).result.tables["funding_lines"]
    moved = read_document(path)
    assert moved.result.contract_code == "CV037"
    lines = moved.result.tables["funding_lines"]
    assert len(lines) == len(original) == 66
    assert sum(line["amount_eur"] for line in lines) == Decimal("6537498")
    assert not [line for line in lines if line["funder_code"] == "NON_IDENTIFIE"]
    local = {
        "DEP-66": "DEP-11",
        "CAF-66": "CAF-11",
        "EPCI-200027183": "EPCI-200035715",
        "COM-66136": "COM-11069",
    }
    assert [local.get(a["funder_code"], a["funder_code"]) for a in original] == [
        b["funder_code"] for b in lines
    ]
    assert sum(
        line["amount_eur"]
        for line in lines
        if line["funder_role"] in ("departement", "commune", "epci", "caf")
    ) == Decimal("1308592")  # the CDDI 350 000 € is the Département's
    qpvs = {row["qpv_code"] for row in moved.result.tables["territory_targets"]}
    assert qpvs - {"ALL", "NONE"} <= {"QP011002", "QP011003", "QP011004", "QP011005", "QP011006"}
    assert {"QP011002", "QP011003", "QP011004", "QP011005", "QP011006"} <= qpvs


# -- a QPV list of another région -----------------------------------------------------------------

TROYES_LIST = """code_qp;nom_qp;commune_qp;insee_com;siren_epci
QP010001;Les Chartreux;Troyes;10387;241000397
QP010002;Point du Jour;Troyes;10387;241000397
QP010003;Jules Guesde;Troyes;10387;241000397
QP010004;La Chapelle Saint-Luc Centre;La Chapelle-Saint-Luc;10081;241000397
QP010099;Quartier sans contrat;Romilly-sur-Seine;10323;200000545
"""


def test_a_qpv_list_added_by_the_user_is_used_without_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "qpv"
    folder.mkdir()
    (folder / "qpv_grand_est.csv").write_text(TROYES_LIST, encoding="cp1252")
    monkeypatch.setattr(reference, "USER_QPV_DIR", folder)
    for cached in (
        reference.user_qpv_rows,
        reference.qpv_rows,
        territories.qpvs,
        territories.qpvs_of_department,
        territories.contract_qpvs,
        reference.reference_fingerprint,
    ):
        cached.cache_clear()
    try:
        found, rule = contract_qpvs("CV035")  # CA Grand Troyes, SIREN 241000397
        assert ([q.code for q in found], rule) == (["QP010001", "QP010002", "QP010003", "QP010004"], "epci")
        troyes = territory_of("CV035")
        assert troyes.code_for_role("commune") == "COM-10387"
        assert [m.qpv_code for m in resolve("Chartreux et Point du Jour", troyes)] == ["QP010001", "QP010002"]
        assert [m.qpv_code for m in resolve("Tous les QPV", troyes)] == ["ALL"]
    finally:
        for cached in (
            reference.user_qpv_rows,
            reference.qpv_rows,
            territories.qpvs,
            territories.qpvs_of_department,
            territories.contract_qpvs,
            reference.reference_fingerprint,
        ):
            cached.cache_clear()


def test_a_qpv_list_is_read_whatever_its_headers_and_bad_rows_are_said() -> None:
    rows, problems = reference.read_qpv_list(
        'CODE_QP,NOM_QP,COMMUNE_QP\nQP010001,Les Chartreux,"Troyes, Saint-André"\nXX1,Pas un code,Troyes\n'.encode()
    )
    assert [(r["qpv_code"], r["qpv_name"], r["commune_name"], r["department"]) for r in rows] == [
        ("QP010001", "Les Chartreux", "Troyes", "10")
    ]
    assert problems == ["line 3: 'XX1' is not a QPV code: row skipped"]
    assert reference.read_qpv_list(b"a;b\n1;2\n")[0] == []


# -- an annex of another writer ------------------------------------------------------------------


def test_an_annex_whose_columns_follow_their_header() -> None:
    """Numeric references, the service column before the BOP column, programmes written P.147 and
    BOP 147, a row continued on the next line: read by the header, not by position."""
    doc = read_document(BEZIERS_ANNEX)
    assert (doc.kind, doc.result.contract_code) == ("annexe_objectifs_bop", "CV110")
    rows = doc.result.tables["annex_objectives"]
    assert [
        (r["objective_ref"], r["pillar"], r["axis_number"], r["bop_list"], r["service_list"]) for r in rows
    ] == [
        ("1.1.1", "Cohésion sociale", 1, "P.147 P.230", "DDCS Rectorat"),
        ("1.1.2", "Cohésion sociale", 1, "BOP 147", "DDCS"),
        ("1.2.1", "Cohésion sociale", 2, "BOP 204 P.147 P.177", "ARS Préfecture DDCS"),
        ("2.1.1", "Cadre de vie et renouvellement urbain", 1, "P.135", "DDTM"),
    ]
    assert rows[2]["line_bop_fields"] == ["BOP 204 P.147", "P.177"]
    assert rows[0]["partner_collectivite"] == "Ville de Béziers" and rows[2]["national_target"] == "50 %"
    assert not [i for i in doc.issues if i.severity != "info"]


# -- the warehouse of another contract ------------------------------------------------------------


def test_a_warehouse_of_other_contracts_only(other_warehouse: Path) -> None:
    con = duckdb.connect(str(other_warehouse), read_only=True)
    try:
        by_contract = dict(
            con.execute(
                "select contract_code, sum(amount_eur) from analytics.funding_lines where source_kind = 'document' group by 1"
            ).fetchall()
        )
        assert by_contract == {"CV037": Decimal("533000"), "CV112": Decimal("12840000")}
        assert (
            con.execute(
                "select count(*) from analytics.funding_lines where funder_code = 'NON_IDENTIFIE'"
            ).fetchone()[0]
            == 0
        )
        names = dict(
            con.execute(
                "select funder_code, funder_name from marts.dim_funder where funder_code in "
                "('DEP-11', 'REG-76', 'EPCI-200035715', 'COM-11069', 'CAF-34', 'AUTRE-FONDATION-DE-FRANCE')"
            ).fetchall()
        )
        assert names == {
            "DEP-11": "Département (Aude)",
            "REG-76": "Région Occitanie",
            "EPCI-200035715": "CA Carcassonne Agglo",
            "COM-11069": "Ville de Carcassonne",
            "CAF-34": "CAF (Hérault)",
            "AUTRE-FONDATION-DE-FRANCE": "Fondation de France",
        }
        # Before 2016 the Région of an Aude contract is Languedoc-Roussillon's.
        assert con.execute(
            "select distinct funder_name_before_2016 from analytics.funding_lines where funder_code = 'REG-76'"
        ).fetchall() == [("Région Languedoc-Roussillon",)]
        # Every euro of the Carcassonne programme reaches one of its QPVs: every territory names one.
        qpv = dict(
            con.execute(
                "select qpv_code like 'QP011%', sum(amount_eur) from marts.fct_funding "
                "where contract_code = 'CV037' group by 1"
            ).fetchall()
        )
        assert set(qpv) == {True}
        # "Tous les quartiers prioritaires": the five Carcassonne QPVs share fiche 1-1-1.
        shares = con.execute(
            "select count(distinct qpv_code) from marts.fct_funding f join marts.dim_action a on f.fiche_id = a.action_id "
            "where f.contract_code = 'CV037' and a.fiche_code = '1-1-1'"
        ).fetchone()[0]
        assert shares == 5
        recognised = con.execute(
            "select contract_code, contract_rule, contract_confidence, qpv_count, funding_line_count, funding_eur, "
            "unidentified_eur from analytics.contract_recognition order by contract_code"
        ).fetchall()
        assert recognised == [
            ("CV037", "title", 0.99, 5, 23, Decimal("533000"), Decimal("0")),
            ("CV110", "title", 0.99, 3, 0, Decimal("0"), Decimal("0")),
            ("CV112", "title", 0.99, 12, 15, Decimal("12840000"), Decimal("0")),
        ]
    finally:
        con.close()


def test_the_annex_pairs_of_another_writer(other_warehouse: Path) -> None:
    con = duckdb.connect(str(other_warehouse), read_only=True)
    try:
        pairs = con.execute(
            "select objective_ref, bop_code, service_code from intermediate.int_objective_bop_pairs "
            "where contract_code = 'CV110' order by objective_ref, pair_position"
        ).fetchall()
    finally:
        con.close()
    assert pairs == [
        ("1.1.1", "147", "DDCSPP"),
        ("1.1.1", "230", "RECTORAT"),
        ("1.1.2", "147", "DDCSPP"),
        ("1.2.1", "204", "ARS"),
        ("1.2.1", "147", "PREFECTURE"),
        ("1.2.1", "177", "DDCSPP"),
        ("2.1.1", "135", "DDTM"),
    ]


def test_status_says_which_contract_was_recognised(other_warehouse: Path) -> None:
    from ingest.query import status

    text = status(other_warehouse)
    assert "CV037 CA Carcassonne Agglo — by title, confidence 0.99" in text
    assert "23 funding lines, 533\u202f000 €" in text


def test_the_dashboard_shows_the_contracts_loaded(other_warehouse: Path) -> None:
    """No page is hard-wired to the bundled contract: on a warehouse of other contracts every page
    renders their figures, and the contract filter (kept in the URL) narrows them to one."""
    from streamlit.testing.v1 import AppTest

    from dashboard import queries as q

    app = str(ROOT / "dashboard" / "app.py")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CDV_DB", str(other_warehouse))
        for page in q.PAGES:
            at = AppTest.from_file(app, default_timeout=60)
            at.query_params["page"] = page.key
            at.run()
            assert not at.exception and not at.error, (page.key, [e.value for e in at.exception])
        overview = AppTest.from_file(app, default_timeout=60)
        overview.query_params["page"] = "overview"
        overview.run()
        con = duckdb.connect(str(other_warehouse), read_only=True)
        try:
            planned = dict(
                con.execute(
                    "select contract_code, sum(amount_eur) from marts.fct_funding where source_kind = 'document' "
                    "group by 1"
                ).fetchall()
            )
        finally:
            con.close()
        shown = {m.label: m.value for m in overview.metric}
        label = next(m.label for m in q.PAGES_BY_KEY["overview"].metrics if m.query == q.HEADLINE_QUERY)
        assert shown[label] == q.format_eur(sum(planned.values()))
        one = AppTest.from_file(app, default_timeout=60)
        one.query_params["page"] = "overview"
        one.query_params["contract_code"] = "CV037"
        one.run()
        assert {m.label: m.value for m in one.metric}[label] == q.format_eur(planned["CV037"])
        assert "CV037" in one.subheader[0].value
