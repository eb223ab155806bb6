-- One row per fiche: planned funding against its stated cost (analytics.action_coverage).
with

coverage as (

    -- The contract filter of the dashboard (null: every contract).
    select * from analytics.action_coverage
    where $contract_code is null or contract_code = $contract_code

),

final as (

    select
        contract_code,
        fiche_code,
        fiche_title,
        funding_eur,
        funding_line_count,
        cost_eur,
        cost_figure_count,
        coverage_ratio

    from coverage

)

select * from final
order by contract_code, fiche_code
