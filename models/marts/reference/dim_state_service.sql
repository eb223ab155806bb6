/* grain: one row per State service (or State-related body) named as BOP manager or pilot */
with

state_services as (

    select * from {{ ref('stg_reference__state_services') }}

),

final as (

    select
        service_code,
        service_label,
        ministry,
        default_programme_code,
        funder_code,
        service_description

    from state_services

)

select * from final
