-- One row per contract, year and funder, for the contracts that have a plan in the warehouse:
-- planned (contract documents) against executed (ANCT open data) funding, from
-- analytics.executed_vs_planned. Contracts with executed funding only: executed_only.sql.
with

compared as (

    -- The contract filter of the dashboard (null: every contract).
    select * from analytics.executed_vs_planned
    where $contract_code is null or contract_code = $contract_code

),

planned_contracts as (

    select distinct contract_code
    from compared
    where planned_eur > 0

),

final as (

    select
        compared.executed_vs_planned_id,
        compared.contract_code,
        compared.contract_name,
        compared.funding_year,
        compared.funder_code,
        compared.planned_eur,
        compared.executed_eur,
        compared.comparable_planned_eur,
        compared.executed_dispositifs,
        compared.planned_line_count,
        compared.executed_post_count,
        compared.execution_ratio,
        compared.no_ratio_reason,
        compared.published_contract_codes

    from compared
    inner join planned_contracts
        on compared.contract_code = planned_contracts.contract_code

)

select * from final
order by contract_code, funding_year, funder_code, executed_vs_planned_id
