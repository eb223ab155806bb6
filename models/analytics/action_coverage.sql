/* grain: one row per fiche action: planned funding against its stated cost */
with

actions as (

    select * from {{ ref('dim_action') }}
    where action_level = 'fiche'

),

funding as (

    select
        fiche_id,
        sum(amount_eur) as funding_eur,
        count(distinct funding_line_id) as funding_line_count

    from {{ ref('fct_funding') }}
    group by fiche_id

),

costs as (

    select
        action_id as fiche_id,
        -- The stated total when there is one; otherwise the sum of the one-off items (rates and
        -- yearly items are not a cost of the whole action).
        coalesce(
            sum(amount_eur) filter (where cost_kind = 'total'),
            sum(amount_eur) filter (where cost_kind = 'item' and not is_recurring)
        ) as cost_eur,
        count(*) as cost_figure_count

    from {{ ref('fct_action_cost') }}
    group by action_id

),

final as (

    select
        actions.contract_code,
        actions.fiche_code,
        actions.fiche_title,
        coalesce(funding.funding_eur, 0)::decimal(18, 2) as funding_eur,
        coalesce(funding.funding_line_count, 0) as funding_line_count,
        costs.cost_eur,
        coalesce(costs.cost_figure_count, 0) as cost_figure_count,
        case
            when costs.cost_eur > 0 then round(coalesce(funding.funding_eur, 0) / costs.cost_eur, 4)::decimal(18, 4)
        end as coverage_ratio

    from actions
    left join funding
        on actions.action_id = funding.fiche_id
    left join costs
        on actions.action_id = costs.fiche_id

)

select * from final
