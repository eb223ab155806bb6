with

source as (

    select * from {{ ref('ref_departements') }}

),

renamed as (

    select
        department_code,
        department_name,
        nullif(region_code, '') as region_code,
        nullif(region_name, '') as region_name,
        nullif(region_name_before_2016, '') as region_name_before_2016

    from source

)

select * from renamed
