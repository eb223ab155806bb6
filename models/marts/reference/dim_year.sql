/* grain: one row per calendar year 2014-2030 */
with

years as (

    select range::integer as year

    from range(2014, 2031)

),

final as (

    select
        year,
        make_date(year, 1, 1) as year_start_date,
        make_date(year, 12, 31) as year_end_date,
        -- The 2015 contracts' own period (2015-2020), their legal extension (2021-2023) and the
        -- 2024-2030 generation; 2014 is the year the 2015 contracts were prepared.
        year between 2015 and 2020 as is_contract_2015_period,
        year between 2021 and 2023 as is_contract_2015_extension,
        year between 2024 and 2030 as is_contract_2024_period,
        case
            when year between 2015 and 2023 then '2015-2023'
            when year between 2024 and 2030 then '2024-2030'
        end as contract_generation

    from years

)

select * from final
