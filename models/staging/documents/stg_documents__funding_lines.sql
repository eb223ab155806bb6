with

source as (

    select * from {{ source('documents', 'funding_lines') }}

),

renamed as (

    select
        line_id as funding_line_id,
        cell_id,
        table_id,
        substr(document_sha256, 1, 16) || ':' || fiche_code as fiche_id,
        document_sha256,
        document_file,
        fiche_code,
        sub_action,
        row_type as financing_type,
        column_index,
        column_header,
        line_index,
        amount_eur,
        amount_text,
        gross_amount_eur,
        share_rate,
        rate_amount_eur,
        rate_unit,
        part_amounts_eur,
        detail,
        funder_code,
        funder_role,
        funder_name,
        funder_text,
        funder_rule,
        funder_source,
        dispositif_code,
        dispositif_text,
        year_start,
        year_end,
        year_source,
        year_text,
        is_recurring,
        is_estimate,
        is_conditional,
        is_in_kind,
        scope,
        fte,
        confidence,
        clause_text,
        source_line,
        source_text,
        loaded_at

    from source

)

select * from renamed
