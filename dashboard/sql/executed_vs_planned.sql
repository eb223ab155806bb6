-- One row per contract, year and funder: planned (contract documents) against executed (ANCT
-- open data) funding, from analytics.executed_vs_planned (planned_eur, executed_eur).
with

compared as (

    select * from analytics.executed_vs_planned

),

final as (

    select * from compared

)

select * from final
order by all
