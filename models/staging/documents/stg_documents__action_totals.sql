with

source as (

    select * from {{ source('documents', 'action_totals') }}

),

renamed as (

    select
        substr(document_sha256, 1, 16) || ':L' || lpad(source_line::varchar, 6, '0') as action_total_id,
        substr(document_sha256, 1, 16) || ':' || fiche_code as fiche_id,
        document_sha256,
        document_file,
        fiche_code,
        label as total_label,
        amount_text,
        source_line,
        source_text,
        loaded_at

    from source

)

select * from renamed
