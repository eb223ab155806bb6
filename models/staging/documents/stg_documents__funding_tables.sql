with

source as (

    select * from {{ source('documents', 'funding_tables') }}

),

renamed as (

    select
        table_id,
        substr(document_sha256, 1, 16) || ':' || fiche_code as fiche_id,
        document_sha256,
        document_file,
        fiche_code,
        table_index,
        sub_action,
        sub_action_line,
        headers,
        note as table_note,
        first_line,
        last_line,
        source_line,
        source_text,
        loaded_at

    from source

)

select * from renamed
