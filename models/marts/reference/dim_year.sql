/* grain: one row per calendar year, from the year before the first contract generation to the end of
   the last one (2014-2030), the generations' years read from ref_contract_generations */
with

generations as (

    select * from {{ ref('stg_reference__contract_generations') }}

),

-- The two generations the flags below are named after, by their code prefix (CVnnn, CNdddnnX).
generation_2015 as (

    select * from generations
    where code_prefix = 'CV'

),

generation_2024 as (

    select * from generations
    where code_prefix = 'CN'

),

years as (

    -- The year before the first generation is the year its contracts were prepared.
    select cast({{ cdv_series('min(period_start) - 1', 'max(period_end)') }} as integer) as year

    from generations

),

final as (

    select
        years.year,
        make_date(years.year, 1, 1) as year_start_date,
        make_date(years.year, 12, 31) as year_end_date,
        -- The 2015 contracts' own period (2015-2020), their legal extension (2021-2023) and the
        -- 2024-2030 generation.
        years.year between generation_2015.period_start and generation_2015.planned_period_end
            as is_contract_2015_period,
        years.year between generation_2015.planned_period_end + 1 and generation_2015.period_end
            as is_contract_2015_extension,
        years.year between generation_2024.period_start and generation_2024.period_end
            as is_contract_2024_period,
        in_force.generation as contract_generation

    from years
    cross join generation_2015
    cross join generation_2024
    left join generations as in_force
        on years.year between in_force.period_start and in_force.period_end

)

select * from final
