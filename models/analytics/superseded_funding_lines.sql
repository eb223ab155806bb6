/* grain: one row per funding line of a document a newer version of itself superseded */
with

versions as (

    select * from {{ ref('int_document_versions') }}
    where not is_current

),

lines as (

    select * from {{ ref('stg_documents__funding_lines') }}

),

final as (

    select
        lines.funding_line_id,
        lines.document_file,
        versions.superseded_by_file,
        versions.contract_code,
        lines.fiche_code,
        lines.sub_action,
        lines.funder_code,
        lines.dispositif_code,
        lines.amount_eur,
        lines.year_start,
        lines.year_end,
        lines.source_line,
        lines.source_text

    from lines
    inner join versions
        on lines.document_sha256 = versions.document_sha256

)

select * from final
