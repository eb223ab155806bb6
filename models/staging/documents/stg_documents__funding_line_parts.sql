with

source as (

    select * from {{ source('documents', 'funding_line_parts') }}

),

renamed as (

    select
        part_id as funding_line_part_id,
        line_id as funding_line_id,
        document_sha256,
        document_file,
        part_index,
        part_kind,
        amount_eur,
        qpv_code,
        part_text,
        source_line,
        source_text,
        loaded_at

    from source

)

select * from renamed
