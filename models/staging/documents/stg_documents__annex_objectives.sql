with

source as (

    select * from {{ source('documents', 'annex_objectives') }}

),

renamed as (

    select
        substr(document_sha256, 1, 16) || ':R' || lpad(row_index::varchar, 4, '0') as objective_row_id,
        document_sha256,
        document_file,
        row_index,
        objective_ref,
        pillar,
        axis_number,
        axis_label,
        objective_label,
        bop_list,
        service_list,
        partner_collectivite,
        partner_signataire,
        indicator,
        national_target,
        line_bop_fields,
        line_service_fields,
        source_line,
        source_lines,
        source_text,
        loaded_at

    from source

)

select * from renamed
