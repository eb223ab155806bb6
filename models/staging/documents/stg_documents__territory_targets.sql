with

source as (

    select * from {{ source('documents', 'territory_targets') }}

),

renamed as (

    select
        target_id,
        table_id,
        substr(document_sha256, 1, 16) || ':' || fiche_code as fiche_id,
        document_sha256,
        document_file,
        fiche_code,
        territory_text,
        qpv_code as target_code,
        match_kind,
        alias as matched_alias,
        source_line,
        source_text,
        loaded_at

    from source

)

select * from renamed
