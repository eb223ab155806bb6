with

source as (

    select * from {{ ref('ref_dispositifs') }}

),

renamed as (

    select
        dispositif_code,
        dispositif_label,
        usual_funder_code,
        usual_funder_role,
        usual_funder_exclusive,
        programme_code,
        parent_code,
        description as dispositif_description

    from source

)

select * from renamed
