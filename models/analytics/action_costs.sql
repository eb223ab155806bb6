/* grain: one row per cost figure of a fiche (a stable contract for analysts) */
with

costs as (

    select * from {{ ref('fct_action_cost') }}

),

final as (

    select
        contract_code,
        fiche_code,
        cost_kind,
        cost_label as label,
        amount_eur,
        cost_year as year,
        is_recurring,
        source_line,
        source_text,
        cost_id,
        is_estimate,
        source_field

    from costs

)

select * from final
