/* grain: one row per contract × year × funder (root of its parent chain): funding planned in the
   contract documents against funding executed in the ANCT open data. The ratio compares like with
   like: executed posts against the planned money of the same dispositifs (those the open data
   covers: FONJEP, adultes-relais), same contract, same funder, same year; where that planned money
   is nil, no ratio is given and no_ratio_reason says why. */
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
        funding.dispositif_code,
        funding.amount_eur,
        funding.funding_line_id

    from funding
    left join contracts
        on funding.contract_code = contracts.contract_code
    left join funders
        on funding.funder_code = funders.funder_code

),

covered_dispositifs as (

    -- What the open data measures: the dispositifs of its posts, read from the data itself.
    select distinct dispositif_code
    from funding
    where source_kind = 'dataset' and dispositif_code is not null

),

covered_label as (

    select string_agg(dispositif_code, ', ' order by dispositif_code) as dispositifs
    from covered_dispositifs

),

anct_years as (

    select distinct funding_year
    from funding
    where source_kind = 'dataset'

),

anct_funders as (

    select distinct funder_code
    from lined_up
    where source_kind = 'dataset'

),

aggregated as (

    select
        contract_code,
        funding_year,
        funder_code,
        sum(amount_eur) filter (where source_kind = 'document') as planned_eur,
        sum(amount_eur) filter (where source_kind = 'dataset') as executed_eur,
        sum(amount_eur) filter (
            where source_kind = 'document'
            and dispositif_code in (select covered_dispositifs.dispositif_code from covered_dispositifs)
        ) as comparable_planned_eur,
        string_agg(distinct dispositif_code, ', ' order by dispositif_code) filter (
            where source_kind = 'dataset'
        ) as executed_dispositifs,
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
        coalesce(aggregated.planned_eur, 0)::decimal(18, 2) as planned_eur,
        coalesce(aggregated.executed_eur, 0)::decimal(18, 2) as executed_eur,
        coalesce(aggregated.comparable_planned_eur, 0)::decimal(18, 2) as comparable_planned_eur,
        aggregated.executed_dispositifs,
        aggregated.planned_line_count,
        aggregated.executed_post_count,
        case when aggregated.comparable_planned_eur > 0
                then round(coalesce(aggregated.executed_eur, 0) / aggregated.comparable_planned_eur, 4)::decimal(18, 4)
        end as execution_ratio,
        case
            when aggregated.comparable_planned_eur > 0 then null
            when aggregated.contract_code is null
                then 'the open data names no contract for these posts'
            when coalesce(aggregated.planned_eur, 0) = 0
                then 'nothing planned in the contract documents for this contract, funder and year'
            when coalesce(aggregated.executed_eur, 0) = 0 and anct_years.funding_year is null
                then 'no open data for this year'
            when aggregated.funder_code not in (select anct_funders.funder_code from anct_funders)
                then 'the open data measures no money of this funder (its posts are the State''s)'
            else 'the plan has none of the dispositifs the open data measures ('
                || coalesce(covered_label.dispositifs, 'none')
                || '): its other money is not measured, so no ratio'
        end as no_ratio_reason,
        aggregated.published_contract_codes

    from aggregated
    cross join covered_label
    left join contracts
        on aggregated.contract_code = contracts.contract_code
    left join anct_years
        on aggregated.funding_year = anct_years.funding_year

)

select * from final
