{{ config(materialized='view') }}

/* grain: one row per funding line: planned in a contract document, or executed in the ANCT open data */
with

document_lines as (

    select * from {{ ref('int_document_funding_lines') }}

),

anct_lines as (

    select * from {{ ref('int_anct_funding_lines') }}

),

final as (

    select * from document_lines
    union all by name
    select * from anct_lines

)

select * from final
