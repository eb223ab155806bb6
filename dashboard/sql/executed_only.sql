-- One row: the executed funding (ANCT open data) of the contracts with no plan in the warehouse.
with

compared as (

    select * from analytics.executed_vs_planned

),

by_contract as (

    select
        contract_code,
        sum(planned_eur) as planned_eur,
        sum(executed_eur) as executed_eur

    from compared
    group by contract_code

),

final as (

    select
        count(*) filter (where planned_eur = 0 and executed_eur > 0) as contract_count,
        coalesce(sum(executed_eur) filter (where planned_eur = 0), 0)::decimal(18, 2) as executed_eur

    from by_contract

)

select * from final
