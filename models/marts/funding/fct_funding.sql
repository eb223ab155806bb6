/* grain: one funding line × QPV × year. The planned and the executed lines are allocated apart
   (macro cdv_allocate_funding, in int_document_funding_allocated and int_anct_funding_allocated):
   a changed document reallocates its side only. A view: the union of the two tables. */
{{ config(materialized='view') }}

{{ cdv_union_by_name([ref('int_document_funding_allocated'), ref('int_anct_funding_allocated')]) }}
