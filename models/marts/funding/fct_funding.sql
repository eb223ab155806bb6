/* grain: one funding line × QPV × year. The planned and the executed lines are allocated apart
   (macro cdv_allocate_funding, in int_document_funding_allocated and int_anct_funding_allocated):
   a changed document reallocates its side only. A view: the union of the two tables. */
{{ config(materialized='view') }}

with

document_funding as (

    select * from {{ ref('int_document_funding_allocated') }}

),

anct_funding as (

    select * from {{ ref('int_anct_funding_allocated') }}

),

final as (

    select * from document_funding
    union all by name
    select * from anct_funding

)

select * from final
