with

source as (

    select * from {{ source('raw', 'documents') }}

),

renamed as (

    select
        document_sha256,
        document_file,
        kind as document_kind,
        contract_code,
        size_bytes,
        line_count,
        encoding,
        parser_version,
        loaded_at

    from source

)

select * from renamed
