-- Every row and document kept out of the totals by a row-level check, with its place and text.
with

quarantined as (

    select * from analytics.quarantine

),

final as (

    select
        rule,
        row_kind,
        document_file,
        source_line,
        message,
        amount_eur,
        source_text,
        contract_code,
        quarantine_id

    from quarantined

)

select * from final
order by document_file, source_line nulls first, rule, quarantine_id
