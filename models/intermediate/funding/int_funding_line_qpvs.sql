/* grain: one row per funding line × QPV it is allocated to (or the HORS_QPV member): planned lines
   and executed ones, each computed apart (a changed document does not recompute the posts') */
{{ config(materialized='view') }}

{{ cdv_union_by_name([ref('int_document_line_qpvs'), ref('int_anct_line_qpvs')]) }}
