with

source as (

    select * from {{ source('documents', 'funding_pledges') }}

),

renamed as (

    select
        pledge_id,
        cell_id,
        table_id,
        substr(document_sha256, 1, 16) || ':' || fiche_code as fiche_id,
        document_sha256,
        document_file,
        fiche_code,
        sub_action,
        row_type as financing_type,
        column_header,
        pledge_kind,
        funder_code,
        funder_role,
        funder_name,
        funder_text,
        funder_rule,
        funder_source,
        dispositif_code,
        fte,
        is_in_kind,
        to_be_assessed,
        pledge_text,
        confidence,
        source_line,
        source_text,
        loaded_at

    from source

)

select * from renamed
