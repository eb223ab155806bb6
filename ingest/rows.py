"""The rows each parser gives, one typed record per raw table (``ingest.schema.RAW_TABLES``).

A row is a ``TypedDict``: a plain dict at run time (Arrow converts dicts in C, and 400,000 ANCT posts
are read per national build), typed for mypy where a parser builds it, so a misspelt or unknown
column, or a value of the wrong type, is an error before any test runs. Keys are the raw table's
columns without the provenance the loader adds (document hash, file name, load time); a key left
out is NULL. ``tests/test_rows.py`` keeps these in step with ``ingest.schema``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict


class FicheRow(TypedDict, total=False):
    """A row of ``raw.fiches``."""

    fiche_code: str | None
    title: str | None
    pillar: str | None
    axis_code: str | None
    axis_label: str | None
    axis_heading_label: str | None
    objective_code: str | None
    objective_label: str | None
    objective_heading_label: str | None
    convention: str | None
    articulation: str | None
    diagnostic: str | None
    objectif_general: str | None
    objectifs_operationnels: str | None
    description: str | None
    territoire: str | None
    pilotes_partenaires: str | None
    moyens: str | None
    moyens_humains: str | None
    moyens_financiers: str | None
    moyens_techniques: str | None
    calendrier: str | None
    resultats_attendus: str | None
    indicateurs: str | None
    participation_habitants: str | None
    first_line: int | None
    last_line: int | None
    source_line: int | None
    source_text: str | None


class FundingTableRow(TypedDict, total=False):
    """A row of ``raw.funding_tables``."""

    table_id: str | None
    fiche_code: str | None
    table_index: int | None
    sub_action: str | None
    sub_action_line: int | None
    headers: list[str] | None
    note: str | None
    first_line: int | None
    last_line: int | None
    source_line: int | None
    source_text: str | None


class FundingCellRow(TypedDict, total=False):
    """A row of ``raw.funding_cells``."""

    cell_id: str | None
    table_id: str | None
    fiche_code: str | None
    row_type: str | None
    column_index: int | None
    column_header: str | None
    raw_text: str | None
    source_line: int | None
    source_lines: list[int] | None
    source_text: str | None


class ActionTotalRow(TypedDict, total=False):
    """A row of ``raw.action_totals``."""

    fiche_code: str | None
    label: str | None
    amount_text: str | None
    source_line: int | None
    source_text: str | None


class FundingLineRow(TypedDict, total=False):
    """A row of ``raw.funding_lines``."""

    line_id: str | None
    cell_id: str | None
    table_id: str | None
    fiche_code: str | None
    sub_action: str | None
    row_type: str | None
    column_index: int | None
    column_header: str | None
    line_index: int | None
    amount_eur: Decimal | None
    amount_text: str | None
    gross_amount_eur: Decimal | None
    share_rate: float | None
    rate_amount_eur: Decimal | None
    rate_unit: str | None
    part_amounts_eur: list[Decimal] | None
    detail: str | None
    funder_code: str | None
    funder_role: str | None
    funder_name: str | None
    funder_text: str | None
    funder_rule: str | None
    funder_source: str | None
    dispositif_code: str | None
    dispositif_text: str | None
    year_start: int | None
    year_end: int | None
    year_source: str | None
    year_text: str | None
    is_recurring: bool | None
    is_estimate: bool | None
    is_conditional: bool | None
    is_in_kind: bool | None
    scope: str | None
    fte: float | None
    confidence: float | None
    clause_text: str | None
    source_line: int | None
    source_text: str | None


class FundingLinePartRow(TypedDict, total=False):
    """A row of ``raw.funding_line_parts``."""

    part_id: str | None
    line_id: str | None
    part_index: int | None
    part_kind: str | None
    amount_eur: Decimal | None
    qpv_code: str | None
    part_text: str | None
    source_line: int | None
    source_text: str | None


class FundingPledgeRow(TypedDict, total=False):
    """A row of ``raw.funding_pledges``."""

    pledge_id: str | None
    cell_id: str | None
    table_id: str | None
    fiche_code: str | None
    sub_action: str | None
    row_type: str | None
    column_header: str | None
    pledge_kind: str | None
    funder_code: str | None
    funder_role: str | None
    funder_name: str | None
    funder_text: str | None
    funder_rule: str | None
    funder_source: str | None
    dispositif_code: str | None
    fte: float | None
    is_in_kind: bool | None
    to_be_assessed: bool | None
    pledge_text: str | None
    confidence: float | None
    source_line: int | None
    source_text: str | None


class ActionCostRow(TypedDict, total=False):
    """A row of ``raw.action_costs``."""

    cost_id: str | None
    fiche_code: str | None
    cost_kind: str | None
    label: str | None
    amount_eur: Decimal | None
    amount_text: str | None
    rate_unit: str | None
    year: int | None
    is_recurring: bool | None
    is_estimate: bool | None
    source_field: str | None
    clause_text: str | None
    source_line: int | None
    source_text: str | None


class TerritoryTargetRow(TypedDict, total=False):
    """A row of ``raw.territory_targets``."""

    target_id: str | None
    fiche_code: str | None
    table_id: str | None
    territory_text: str | None
    qpv_code: str | None
    match_kind: str | None
    alias: str | None
    source_line: int | None
    source_text: str | None


class AnnexObjectiveRow(TypedDict, total=False):
    """A row of ``raw.annex_objectives``."""

    objective_ref: str | None
    pillar: str | None
    axis_number: int | None
    axis_label: str | None
    objective_label: str | None
    bop_list: str | None
    service_list: str | None
    partner_collectivite: str | None
    partner_signataire: str | None
    indicator: str | None
    national_target: str | None
    row_index: int | None
    line_bop_fields: list[str] | None
    line_service_fields: list[str] | None
    source_line: int | None
    source_lines: list[int] | None
    source_text: str | None


class IngestIssueRow(TypedDict, total=False):
    """A row of ``raw.ingest_issues``."""

    issue_id: str | None
    source_line: int | None
    severity: str | None
    rule: str | None
    message: str | None
    source_text: str | None


class QpvListRow(TypedDict, total=False):
    """A row of ``raw.qpv_lists``."""

    qpv_code: str | None
    qpv_name: str | None
    commune_insee: str | None
    commune_name: str | None
    communes_englobantes: str | None
    department: str | None
    epci_siren: str | None
    contract_code: str | None
    pop_mun: str | None
    source_line: int | None
    source_text: str | None


class AnctPostRow(TypedDict, total=False):
    """A row of ``raw.anct_posts``."""

    post_row_id: str | None
    dispositif_code: str | None
    id_poste: str | None
    code_tiers: str | None
    siret: str | None
    beneficiary_name: str | None
    year: int | None
    year_text: str | None
    amount_eur: Decimal | None
    amount_text: str | None
    contract_code: str | None
    insee_dep: str | None
    insee_reg: str | None
    extra_json: str | None
    source_line: int | None
    source_text: str | None


class AnctContractRow(TypedDict, total=False):
    """A row of ``raw.anct_contracts``."""

    contract_code: str | None
    contract_name: str | None
    codgeo: str | None
    epci_siren: str | None
    commune_insee: str | None
    insee_dep: str | None
    pop_qpv: float | None
    generation: str | None
    longitude: float | None
    latitude: float | None
    extra_json: str | None
    source_line: int | None
    source_text: str | None


# Raw table -> the type of its rows.
ROW_TYPES: dict[str, type] = {
    "fiches": FicheRow,
    "funding_tables": FundingTableRow,
    "funding_cells": FundingCellRow,
    "action_totals": ActionTotalRow,
    "funding_lines": FundingLineRow,
    "funding_line_parts": FundingLinePartRow,
    "funding_pledges": FundingPledgeRow,
    "action_costs": ActionCostRow,
    "territory_targets": TerritoryTargetRow,
    "annex_objectives": AnnexObjectiveRow,
    "ingest_issues": IngestIssueRow,
    "qpv_lists": QpvListRow,
    "anct_posts": AnctPostRow,
    "anct_contracts": AnctContractRow,
}
