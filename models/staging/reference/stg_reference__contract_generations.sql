/* grain: one row per generation of contrats de ville (ref_contract_generations) */
with

source as (

    select * from {{ ref('ref_contract_generations') }}

),

renamed as (

    select
        code_prefix,
        generation,
        period_start,
        period_end,
        planned_period_end,
        is_default

    from source

)

select * from renamed
