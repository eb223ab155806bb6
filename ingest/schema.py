"""Column lists and DuckDB types of the raw tables.

One place says what each raw table holds; the loader creates the tables from it
and builds its DataFrames with exactly these columns, in this order. Every table
except ``documents`` starts with the provenance columns the loader fills in.
"""

from __future__ import annotations

PROVENANCE = [
    ("document_sha256", "varchar"),
    ("document_file", "varchar"),
    ("loaded_at", "timestamp"),
]

RAW_TABLES: dict[str, list[tuple[str, str]]] = {
    "documents": [
        ("document_sha256", "varchar"),
        ("document_file", "varchar"),
        ("kind", "varchar"),
        ("contract_code", "varchar"),
        ("size_bytes", "bigint"),
        ("line_count", "integer"),
        ("encoding", "varchar"),
        ("parser_version", "varchar"),
        ("loaded_at", "timestamp"),
    ],
    "fiches": PROVENANCE
    + [
        ("fiche_code", "varchar"),
        ("title", "varchar"),
        ("pillar", "varchar"),
        ("axis_code", "varchar"),
        ("axis_label", "varchar"),
        ("axis_heading_label", "varchar"),
        ("objective_code", "varchar"),
        ("objective_label", "varchar"),
        ("objective_heading_label", "varchar"),
        ("convention", "varchar"),
        ("articulation", "varchar"),
        ("diagnostic", "varchar"),
        ("objectif_general", "varchar"),
        ("objectifs_operationnels", "varchar"),
        ("description", "varchar"),
        ("territoire", "varchar"),
        ("pilotes_partenaires", "varchar"),
        ("moyens", "varchar"),
        ("moyens_humains", "varchar"),
        ("moyens_financiers", "varchar"),
        ("moyens_techniques", "varchar"),
        ("calendrier", "varchar"),
        ("resultats_attendus", "varchar"),
        ("indicateurs", "varchar"),
        ("participation_habitants", "varchar"),
        ("first_line", "integer"),
        ("last_line", "integer"),
        ("source_line", "integer"),
        ("source_text", "varchar"),
    ],
    "funding_tables": PROVENANCE
    + [
        ("table_id", "varchar"),
        ("fiche_code", "varchar"),
        ("table_index", "integer"),
        ("sub_action", "varchar"),
        ("sub_action_line", "integer"),
        ("headers", "varchar[]"),
        ("note", "varchar"),
        ("first_line", "integer"),
        ("last_line", "integer"),
        ("source_line", "integer"),
        ("source_text", "varchar"),
    ],
    "funding_cells": PROVENANCE
    + [
        ("cell_id", "varchar"),
        ("table_id", "varchar"),
        ("fiche_code", "varchar"),
        ("row_type", "varchar"),
        ("column_index", "integer"),
        ("column_header", "varchar"),
        ("raw_text", "varchar"),
        ("source_line", "integer"),
        ("source_lines", "integer[]"),
        ("source_text", "varchar"),
    ],
    "action_totals": PROVENANCE
    + [
        ("fiche_code", "varchar"),
        ("label", "varchar"),
        ("amount_text", "varchar"),
        ("source_line", "integer"),
        ("source_text", "varchar"),
    ],
    "annex_objectives": PROVENANCE
    + [
        ("objective_ref", "varchar"),
        ("pillar", "varchar"),
        ("axis_number", "integer"),
        ("axis_label", "varchar"),
        ("objective_label", "varchar"),
        ("bop_list", "varchar"),
        ("service_list", "varchar"),
        ("partner_collectivite", "varchar"),
        ("partner_signataire", "varchar"),
        ("indicator", "varchar"),
        ("national_target", "varchar"),
        ("row_index", "integer"),
        ("source_line", "integer"),
        ("source_lines", "integer[]"),
        ("source_text", "varchar"),
    ],
    "ingest_issues": PROVENANCE
    + [
        ("issue_id", "varchar"),
        ("source_line", "integer"),
        ("severity", "varchar"),
        ("rule", "varchar"),
        ("message", "varchar"),
        ("source_text", "varchar"),
    ],
}
