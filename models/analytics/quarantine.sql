/* grain: one row per incoming row (a funding line of a document, a post of the open data) or whole
   document that a row-level check failed: kept here with its rule, document, line and source text,
   and left out of every total, so that everything else publishes */
with

quarantined as (

    select * from {{ ref('int_quarantine') }}

),

final as (

    select
        quarantine_id,
        row_kind,
        row_id,
        rule,
        message,
        document_file,
        source_line,
        source_text,
        contract_code,
        amount_eur,
        amount_text,
        document_sha256

    from quarantined

)

select * from final
