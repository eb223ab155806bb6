/* grain: one row per funding line, planned (contract documents) or executed (ANCT open data);
   the analysts' flat table, a stable contract. A view: a projection of the funding lines, which are
   computed once per build (measured: the five analyst queries of BENCHMARKS.md stay under 20 ms on the
   national corpus, and a rebuild does not write 440,000 rows a second time) */
{{ config(materialized='view') }}

with

lines as (

    select * from {{ ref('int_funding_lines_enriched') }}

),

pages as (

    -- The page of each line of a document converted from PDF or Word (ingest/convert.py).
    select
        document_sha256,
        line_pages,
        line_tops
    from {{ ref('stg_documents__documents') }}
    where line_pages is not null

),

final as (

    select
        lines.contract_code,
        lines.document_file,
        lines.fiche_code,
        lines.action_title,
        lines.sub_action,
        lines.financing_type,
        lines.funder_code,
        lines.funder_name,
        lines.funder_type,
        lines.funder_role,
        lines.funder_territory_code,
        lines.funder_name_before_2016,
        lines.dispositif_code as dispositif,
        lines.amount_eur,
        -- One meaning each: amount_eur is the amount as written (a yearly amount for a line given "par
        -- an"); annual_amount_eur what it gives each year of its period; total_amount_eur over the period.
        case
            when lines.is_recurring then lines.amount_eur
            else cast(lines.amount_eur / lines.year_count as decimal(18, 2))
        end as annual_amount_eur,
        case
            when lines.is_recurring then lines.amount_eur * lines.year_count
            else lines.amount_eur
        end as total_amount_eur,
        lines.scope,
        lines.gross_amount_eur,
        lines.year_start,
        lines.year_end,
        lines.year_source,
        lines.is_recurring,
        lines.is_estimate,
        lines.is_conditional,
        lines.is_in_kind,
        lines.funder_source,
        lines.confidence,
        lines.source_line,
        pages.line_pages[lines.source_line] as source_page,
        pages.line_tops[lines.source_line] as source_page_top_pt,
        lines.source_text,
        lines.funding_line_id,
        lines.funder_parent_code,
        lines.funder_rule,
        lines.funder_text,
        lines.dispositif_label,
        lines.amount_text,
        lines.share_rate,
        lines.rate_amount_eur,
        lines.rate_unit,
        lines.part_amounts_eur,
        lines.detail,
        lines.fte,
        lines.year_text,
        lines.year_count,
        lines.column_header,
        lines.clause_text,
        lines.source_kind,
        lines.beneficiary_name,
        lines.beneficiary_siret

    from lines
    left join pages
        on lines.document_sha256 = pages.document_sha256

)

select * from final
