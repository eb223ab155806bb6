with

source as (

    select * from {{ ref('ref_state_services') }}

),

renamed as (

    select
        service_code,
        service_label,
        ministry,
        default_programme_code,
        funder_code,
        description as service_description

    from source

)

select * from renamed
