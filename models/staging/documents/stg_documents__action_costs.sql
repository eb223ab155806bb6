with

source as (

    select * from {{ source('documents', 'action_costs') }}

),

renamed as (

    select
        cost_id,
        substr(document_sha256, 1, 16) || ':' || fiche_code as fiche_id,
        document_sha256,
        document_file,
        fiche_code,
        cost_kind,
        label as cost_label,
        amount_eur,
        amount_text,
        rate_unit,
        year as cost_year,
        is_recurring,
        is_estimate,
        source_field,
        clause_text,
        source_line,
        source_text,
        loaded_at

    from source

)

select * from renamed
