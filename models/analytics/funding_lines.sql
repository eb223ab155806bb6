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
    select document_sha256, line_pages, line_tops
    from {{ ref('stg_documents__documents') }}
    where line_pages is not null

),

final as (

    select
        contract_code,
        document_file,
        fiche_code,
        action_title,
        sub_action,
        financing_type,
        funder_code,
        funder_name,
        funder_type,
        funder_role,
        funder_territory_code,
        funder_name_before_2016,
        dispositif_code as dispositif,
        amount_eur,
        -- One meaning each: amount_eur is the amount as written (a yearly amount for a line given "par
        -- an"); annual_amount_eur what it gives each year of its period; total_amount_eur over the period.
        case when is_recurring then amount_eur else cast(amount_eur / year_count as decimal(18, 2)) end as annual_amount_eur,
        case when is_recurring then amount_eur * year_count else amount_eur end as total_amount_eur,
        scope,
        gross_amount_eur,
        year_start,
        year_end,
        year_source,
        is_recurring,
        is_estimate,
        is_conditional,
        is_in_kind,
        funder_source,
        confidence,
        source_line,
        pages.line_pages[source_line] as source_page,
        pages.line_tops[source_line] as source_page_top_pt,
        source_text,
        funding_line_id,
        funder_parent_code,
        funder_rule,
        funder_text,
        dispositif_label,
        amount_text,
        share_rate,
        rate_amount_eur,
        rate_unit,
        part_amounts_eur,
        detail,
        fte,
        year_text,
        year_count,
        column_header,
        clause_text,
        source_kind,
        beneficiary_name,
        beneficiary_siret

    from lines
    left join pages
        on lines.document_sha256 = pages.document_sha256

)

select * from final
