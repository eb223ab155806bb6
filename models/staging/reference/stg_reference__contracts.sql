with

source as (

    select * from {{ ref('ref_contracts') }}

),

renamed as (

    select
        contract_code,
        contract_name,
        epci_siren,
        commune_insee,
        department,
        generation,
        pop_qpv,
        successor_code,
        listed_2015_2023,
        listed_2024_2030,
        lib_cv

    from source

)

select * from renamed
