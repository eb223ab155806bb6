{#- Keeps the rows of current documents: a programme or annex superseded by a newer version of itself
    (int_document_versions) or quarantined whole (int_quarantined_documents: not read as its kind
    says) is read by no mart or analytics total. Rows of other documents pass. -#}
{% macro cdv_is_current_document(sha256_column='document_sha256') -%}
    {{ sha256_column }} not in (
        select superseded.document_sha256
        from {{ ref('int_document_versions') }} as superseded
        where not superseded.is_current
    )
    and {{ sha256_column }} not in (
        select quarantined.document_sha256
        from {{ ref('int_quarantined_documents') }} as quarantined
    )
{%- endmacro %}
