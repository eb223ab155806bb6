/* grain: one row per funding line × QPV it is allocated to (or the HORS_QPV member): planned lines
   and executed ones, each computed apart (a changed document does not recompute the posts') */
{{ config(materialized='view') }}

with

document_line_qpvs as (

    select * from {{ ref('int_document_line_qpvs') }}

),

anct_line_qpvs as (

    select * from {{ ref('int_anct_line_qpvs') }}

),

final as (

    select * from document_line_qpvs
    union all by name
    select * from anct_line_qpvs

)

select * from final
