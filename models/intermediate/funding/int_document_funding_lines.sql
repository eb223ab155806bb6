/* grain: one row per funding line read from a current contract document that passed every row-level
   check; the others are in int_quarantine (analytics.quarantine), never in a total */
with

lines as (

    select * from {{ ref('int_document_funding_lines_read') }}

),

quarantined as (

    select row_id from {{ ref('int_quarantine') }}
    where row_kind = 'funding_line'

),

final as (

    select lines.*
    from lines
    where not exists (
            select 1 from quarantined
            where quarantined.row_id = lines.funding_line_id
        )

)

select * from final
