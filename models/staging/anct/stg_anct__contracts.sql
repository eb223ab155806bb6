with

source as (

    select * from {{ source('anct', 'contracts') }}

),

renamed as (

    select
        substr(document_sha256, 1, 16) || ':F' || lpad(source_line::varchar, 6, '0') as contract_point_id,
        document_sha256,
        document_file,
        contract_code,
        contract_name as contract_label,
        regexp_replace(contract_name, '^(\d{2,3}|2A|2B|NA) - ', '') as contract_name,
        codgeo,
        epci_siren,
        commune_insee,
        insee_dep as department_code,
        pop_qpv,
        generation as contract_generation,
        longitude,
        latitude,
        extra_json,
        source_line,
        source_text,
        loaded_at

    from source

)

select * from renamed
