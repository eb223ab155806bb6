/* grain: one row per contract × year × funder (root of its parent chain): funding planned in the
   contract documents against funding executed in the ANCT open data */
with

funding as (

    select * from {{ ref('fct_funding') }}

),

funders as (

    select * from {{ ref('dim_funder') }}

),

contracts as (

    select * from {{ ref('dim_contract') }}

),

lined_up as (

    -- A 2024-2030 contract (CNdddnnX) continues a 2015 one (CVnnn) when its intercommunality is the same:
    -- both are reported under the 2015 code so a contract's plan and its execution meet.
    select
        coalesce(contracts.predecessor_code, funding.contract_code) as contract_code,
        funding.contract_code as published_contract_code,
        funding.funding_year,
        coalesce(funders.root_funder_code, funding.funder_code) as funder_code,
        funding.source_kind,
        funding.amount_eur,
        funding.funding_line_id

    from funding
    left join contracts
        on funding.contract_code = contracts.contract_code
    left join funders
        on funding.funder_code = funders.funder_code

),

aggregated as (

    select
        contract_code,
        funding_year,
        funder_code,
        sum(amount_eur) filter (where source_kind = 'document') as planned_eur,
        sum(amount_eur) filter (where source_kind = 'dataset') as executed_eur,
        count(distinct funding_line_id) filter (where source_kind = 'document') as planned_line_count,
        count(distinct funding_line_id) filter (where source_kind = 'dataset') as executed_post_count,
        string_agg(distinct published_contract_code, ', ' order by published_contract_code) as published_contract_codes

    from lined_up
    group by contract_code, funding_year, funder_code

),

final as (

    select
        coalesce(aggregated.contract_code, 'sans-contrat') || ':' || aggregated.funding_year::varchar
        || ':' || aggregated.funder_code as executed_vs_planned_id,
        aggregated.contract_code,
        contracts.contract_name,
        aggregated.funding_year,
        aggregated.funder_code,
        coalesce(aggregated.planned_eur, 0) as planned_eur,
        coalesce(aggregated.executed_eur, 0) as executed_eur,
        aggregated.planned_line_count,
        aggregated.executed_post_count,
        case when aggregated.planned_eur > 0
            then round(coalesce(aggregated.executed_eur, 0) / aggregated.planned_eur, 4)
        end as execution_ratio,
        aggregated.published_contract_codes

    from aggregated
    left join contracts
        on aggregated.contract_code = contracts.contract_code

)

select * from final
