with

source as (

    select * from {{ source('anct', 'posts') }}

),

renamed as (

    select
        substr(document_sha256, 1, 16) || ':' || post_row_id as post_id,
        document_sha256,
        document_file,
        post_row_id,
        dispositif_code,
        id_poste,
        code_tiers,
        siret,
        beneficiary_name,
        year as funding_year,
        year_text,
        amount_eur,
        amount_text,
        contract_code,
        insee_dep as department_code,
        insee_reg as region_code,
        extra_json,
        (
            id_poste is not null
            and count(*) over (partition by document_sha256, id_poste) > 1
        ) as is_duplicate_id_poste,
        row_number() over (
            partition by document_sha256, source_text order by source_line
        ) > 1 as is_repeated_record,
        source_line,
        source_text,
        loaded_at

    from source

)

select * from renamed
