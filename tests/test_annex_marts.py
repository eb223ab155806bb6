"""The objectives / BOP annex of Lézignan-Corbières (CV038) as the warehouse serves it.

Every expected figure was read by hand in data/documents/lezignan-corbieres_annexe7_objectifs-bop.txt
(line numbers are 1-based). Pair count, by pillar heading and objective in document order:
PDEE 27 (2+2+2+2+2+1+1+5+1+3+3+3), PHCV 5 (2+1+1+1), PCOS 62 (axis 1: 5; axis 2: 1+4+6+6+4; axis 3:
1+4; axis 4: 3+4+3+3; axis 5: 3+2+1; axis 6: 1+2+1+1; axis 7: 1+3+2+1), PVRC 11 (6+1+1, then 3 for the
PCOS_AS3_002 of line 86), transversal 10 (Atr_EgF/H 2 by position + 2 services with their own programme,
Atr_LCD 3, Atr_Jeunesse 3): 115 pairs, 111 of them with a BOP (the three objectives without BOP and the
CNAF of PCOS_AS3_OO3 have none).
"""

from __future__ import annotations

from decimal import Decimal

LEZIGNAN = "lezignan-corbieres_annexe7_objectifs-bop.txt"


def pairs_of(wh, ref: str, line: int | None = None) -> list[tuple[str | None, str | None]]:
    sql = """
        select bop_code, service
        from analytics.objective_bop
        where document_file = ? and objective_ref = ?
    """
    params: list[object] = [LEZIGNAN, ref]
    if line is not None:
        sql += " and objective_source_line = ?"
        params.append(line)
    sql += " order by pair_position"
    return [tuple(row) for row in wh.execute(sql, params).fetchall()]


def anomaly_lines(wh, rule: str) -> dict[int, str]:
    rows = wh.execute(
        """
        select source_line, message
        from intermediate.int_objective_bop_anomalies
        where document_file = ? and rule = ?
        """,
        [LEZIGNAN, rule],
    ).fetchall()
    return dict(rows)


def test_every_objective_row_is_served(wh) -> None:
    objectives, pairs, with_bop, contracts = wh.execute(
        """
        select
            count(distinct objective_source_line),
            count(*),
            count(bop_code),
            list(distinct contract_code)
        from analytics.objective_bop
        where document_file = ?
        """,
        [LEZIGNAN],
    ).fetchone()
    assert objectives == 46
    assert pairs == 115
    assert with_bop == 111
    assert contracts == ["CV038"]


def test_analytics_contract_columns_come_first(wh) -> None:
    columns = [row[0] for row in wh.execute("describe analytics.objective_bop").fetchall()]
    assert columns[:13] == [
        "contract_code",
        "objective_ref",
        "objective_ref_normalized",
        "pillar",
        "axis",
        "objective_label",
        "bop_code",
        "bop_label",
        "service",
        "indicator",
        "national_target",
        "source_line",
        "document_file",
    ]


def test_fact_and_view_agree(wh) -> None:
    fact = wh.execute(
        "select count(*) from marts.fct_objective_bop where document_file = ?", [LEZIGNAN]
    ).fetchone()[0]
    assert fact == 115


def test_pairs_read_in_order(wh) -> None:
    assert pairs_of(wh, "PDEE_AS2_005") == [
        ("140", "RECTORAT"),
        ("141", "RECTORAT"),
        ("167", "DSN"),
        ("147", "DDCSPP"),
        ("163", "DDCSPP"),
    ]
    assert pairs_of(wh, "PDEE_AS1_003") == [("304", "DDCSPP"), ("102", "DIRECCTE")]


def test_continuation_line_merged_and_cnds_kept(wh) -> None:
    assert pairs_of(wh, "PCOS_AS5_001") == [("224", "DRAC"), ("CNDS", "CNDS"), ("163", "DDCSPP")]
    lines = wh.execute(
        """
        select bop_code, source_line, is_lolf_code
        from marts.fct_objective_bop
        where document_file = ? and objective_ref = 'PCOS_AS5_001'
        order by pair_position
        """,
        [LEZIGNAN],
    ).fetchall()
    assert lines == [("224", 55, True), ("CNDS", 56, False), ("163", 56, True)]


def test_services_with_their_own_programme(wh) -> None:
    assert pairs_of(wh, "Atr_EgF/H") == [
        ("137", "DGCS"),
        ("147", "DDCSPP"),
        ("152", "Gendarmerie"),
        ("147", "Cget"),
    ]
    codes = wh.execute(
        """
        select service_code, pairing_method
        from marts.fct_objective_bop
        where document_file = ? and objective_ref = 'Atr_EgF/H'
        order by pair_position
        """,
        [LEZIGNAN],
    ).fetchall()
    assert codes == [
        ("DGCS", "positional"),
        ("DDCSPP", "positional"),
        ("GENDARMERIE", "service_own_programme"),
        ("CGET_ACSE", "service_own_programme"),
    ]


def test_bop_prefix_dropped(wh) -> None:
    assert pairs_of(wh, "Atr_Jeunesse") == [("102", "DIRECCTE"), ("163", "DDCSPP"), ("304", "RECTORAT")]


def test_service_list_longer_than_bop_list(wh) -> None:
    assert pairs_of(wh, "PCOS_AS3_OO3") == [
        ("140", "RECTORAT"),
        ("141", "RECTORAT"),
        ("230", "RECTORAT"),
        ("304", "DDCSPP"),
        ("101", "DTPJJ"),
        (None, "CNAF"),
    ]


def test_objectives_without_bop_are_kept(wh) -> None:
    for ref in ("PCOS_AS5_003", "PVRC_AS2_001", "PVRC_AS3_001"):
        assert pairs_of(wh, ref) == [(None, None)], ref


def test_reused_reference_keeps_each_row(wh) -> None:
    assert pairs_of(wh, "PCOS_AS3_002", 48) == [
        ("163", "DDCSPP"),
        ("230", "RECTORAT"),
        ("140", "RECTORAT"),
        ("141", "RECTORAT"),
    ]
    assert pairs_of(wh, "PCOS_AS3_002", 86) == [("163", "DDCSPP"), ("147", "DDCSPP"), ("304", "DDCSPP")]
    # The heading wins: line 86 sits under Valeurs de la République, axis 3.
    pillar, axis = wh.execute(
        """
        select distinct pillar, axis
        from analytics.objective_bop
        where document_file = ? and objective_source_line = 86
        """,
        [LEZIGNAN],
    ).fetchone()
    assert pillar == "Valeurs de la République et Citoyenneté"
    assert axis.startswith("Axe 3 : Promouvoir")


def test_references_normalized(wh) -> None:
    rows = dict(
        wh.execute(
            """
            select objective_ref, objective_ref_normalized
            from intermediate.int_annex_objectives_normalized
            where document_file = ? and objective_ref <> objective_ref_normalized
            """,
            [LEZIGNAN],
        ).fetchall()
    )
    assert rows == {
        "PCOS_AS1_OO1": "PCOS_AS1_001",
        "PCOS_AS3_OO1": "PCOS_AS3_001",
        "PCOS_AS3_OO2": "PCOS_AS3_002",
        "PCOS_AS3_OO3": "PCOS_AS3_003",
        "PCOS_AS3_OO4": "PCOS_AS3_004",
    }


def test_anomaly_duplicate_objective_ref(wh) -> None:
    found = anomaly_lines(wh, "duplicate_objective_ref")
    # PCOS_AS3_002 twice as written (48, 86) and once as PCOS_AS3_OO2 (41); PCOS_AS3_OO1 / PCOS_AS3_001.
    assert set(found) == {40, 47, 41, 48, 86}
    assert "PCOS_AS3_002" in found[86] and "line 41" in found[86] and "line 48" in found[86]
    assert "PCOS_AS3_001" in found[47] and "line 40" in found[47]


def test_anomaly_wildcard_objective_ref(wh) -> None:
    found = anomaly_lines(wh, "wildcard_objective_ref")
    assert set(found) == {33}
    assert "PHCV_AS2_*" in found[33]


def test_anomaly_axis_contradicts_heading(wh) -> None:
    found = anomaly_lines(wh, "axis_contradicts_heading")
    # PCOS_AS3_OO1..OO4 and PCOS_AS3_005 under "Axe 2"; PCOS_AS3_002 under the PVRC pillar.
    assert set(found) == {40, 41, 42, 43, 45, 86}
    assert "axis 2" in found[40]
    assert "Valeurs de la République" in found[86]


def test_anomaly_service_list_longer_than_bops(wh) -> None:
    found = anomaly_lines(wh, "service_list_longer_than_bops")
    # Atr_EgF/H (line 90) is not one: with Gendarmerie(152) and Cget(147) set aside, 2 BOPs, 2 services.
    assert set(found) == {42}
    assert "PCOS_AS3_OO3" in found[42] and "CNAF" in found[42]
    assert set(anomaly_lines(wh, "service_with_own_programme")) == {90}


def test_anomaly_non_lolf_bop_code(wh) -> None:
    found = anomaly_lines(wh, "non_lolf_bop_code")
    assert set(found) == {56, 58}
    assert "PCOS_AS5_001" in found[56] and "CNDS" in found[56]
    assert "PCOS_AS5_002" in found[58]


def test_anomaly_letter_o_and_column_layout(wh) -> None:
    assert set(anomaly_lines(wh, "objective_ref_letter_o")) == {38, 40, 41, 42, 43}
    columns = [row[0] for row in wh.execute("describe intermediate.int_objective_bop_anomalies").fetchall()]
    assert columns == [
        "document_sha256",
        "document_file",
        "source_line",
        "rule",
        "severity",
        "message",
        "source_text",
    ]
    severity = wh.execute(
        """
        select severity from intermediate.int_objective_bop_anomalies
        where document_file = ? and rule = 'objective_ref_letter_o' group by all
        """,
        [LEZIGNAN],
    ).fetchall()
    assert severity == [("info",)]


def test_national_targets_split(wh) -> None:
    rows = wh.execute(
        """
        select target_label, target_value, target_unit
        from marts.fct_objective_target
        where document_file = ? and objective_ref = 'PDEE_AS3_002'
        order by target_position
        """,
        [LEZIGNAN],
    ).fetchall()
    assert rows == [
        ("EA", Decimal("30"), "%"),
        ("CUI marchand", Decimal("12"), "%"),
        ("CUI non-marchand", Decimal("13.2"), "%"),
    ]
    bare = dict(
        wh.execute(
            """
            select objective_ref, target_value
            from marts.fct_objective_target
            where document_file = ? and target_label is null
            """,
            [LEZIGNAN],
        ).fetchall()
    )
    assert bare == {"PDEE_AS3_001": Decimal("100"), "PCOS_AS5_001": Decimal("30")}


def test_reference_dimensions(wh) -> None:
    assert wh.execute(
        """
        select contract_period_start, contract_period_end, successor_code
        from marts.dim_contract where contract_code = 'CV038'
        """
    ).fetchone() == (2015, 2020, "CN01101M")
    assert wh.execute(
        "select predecessor_code, contract_period_start, contract_period_end from marts.dim_contract "
        "where contract_code = 'CN01101M'"
    ).fetchone() == ("CV038", 2024, 2030)
    qpv = dict(
        wh.execute(
            "select qpv_code, contract_code from marts.dim_qpv where qpv_code in ('HORS_QPV', 'ALL')"
        ).fetchall()
    )
    assert qpv == {"HORS_QPV": None}
    assert wh.execute(
        "select root_funder_code from marts.dim_funder where funder_code = 'DIRECCTE'"
    ).fetchone() == ("ETAT",)
    assert wh.execute(
        "select funder_type from marts.dim_funder where funder_code = 'NON_IDENTIFIE'"
    ).fetchone() == ("inconnu",)
    assert wh.execute(
        "select is_lolf from marts.dim_bop_programme where programme_code = 'CNDS'"
    ).fetchone() == (False,)
    years = wh.execute("select count(*), min(year), max(year) from marts.dim_year").fetchone()
    assert years == (17, 2014, 2030)


def test_pairs_by_pillar_heading(wh) -> None:
    rows = dict(
        wh.execute(
            "select pillar, count(*) from analytics.objective_bop where document_file = ? group by all",
            [LEZIGNAN],
        ).fetchall()
    )
    assert rows == {
        "Développement de l'activité économique et de l'emploi": 27,
        "Habitat Cadre de Vie": 5,
        "Cohésion Sociale": 62,
        "Valeurs de la République et Citoyenneté": 11,
        "Axes transversaux": 10,
    }
