{{ config(materialized='view') }}

/* grain: one row per funding line: planned in a contract document, or executed in the ANCT open data */
{{ cdv_union_by_name([ref('int_document_funding_lines'), ref('int_anct_funding_lines')]) }}
