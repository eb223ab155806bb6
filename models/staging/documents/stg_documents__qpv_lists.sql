with

source as (

    select * from {{ source('documents', 'qpv_lists') }}

),

renamed as (

    select
        qpv_code,
        qpv_name,
        nullif(commune_insee, '') as commune_insee,
        nullif(commune_name, '') as commune_name,
        nullif(communes_englobantes, '') as communes_englobantes,
        nullif(department, '') as department,
        nullif(epci_siren, '') as epci_siren,
        nullif(contract_code, '') as contract_code,
        cast(nullif(regexp_replace(pop_mun, '[^0-9]', '', 'g'), '') as integer) as pop_mun,
        document_sha256,
        document_file,
        source_line,
        source_text,
        loaded_at

    from source

)

select * from renamed
