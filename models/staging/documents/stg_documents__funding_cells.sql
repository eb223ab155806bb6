with

source as (

    select * from {{ source('documents', 'funding_cells') }}

),

renamed as (

    select
        cell_id,
        table_id,
        substr(document_sha256, 1, 16) || ':' || fiche_code as fiche_id,
        document_sha256,
        document_file,
        fiche_code,
        row_type as financing_type,
        column_index,
        column_header,
        raw_text as cell_text,
        source_line,
        source_lines,
        source_text,
        loaded_at

    from source

)

select * from renamed
