with

source as (

    select * from {{ ref('ref_funders') }}

),

renamed as (

    select
        funder_code,
        funder_name,
        funder_type,
        funder_role,
        parent_code,
        description as funder_description

    from source

)

select * from renamed
