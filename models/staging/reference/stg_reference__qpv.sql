with

source as (

    select * from {{ ref('ref_qpv') }}

),

renamed as (

    select
        qpv_code,
        qpv_name,
        commune_insee,
        commune_name,
        communes_englobantes,
        department,
        region,
        list_year,
        pop_mun,
        contract_code

    from source

)

select * from renamed
