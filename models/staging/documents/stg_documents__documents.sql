with

source as (

    select * from {{ source('documents', 'documents') }}

),

renamed as (

    select
        document_sha256,
        document_file,
        kind as document_kind,
        contract_code,
        contract_confidence,
        contract_rule,
        contract_evidence,
        contract_evidence_line,
        contract_candidates,
        contract_qpvs,
        contract_qpv_rule,
        stated_date,
        file_modified_at,
        version_rank,
        line_pages,
        line_tops,
        size_bytes,
        line_count,
        encoding,
        parser_version,
        loaded_at

    from source

)

select * from renamed
