-- One row per fiche: planned funding against its stated cost (analytics.action_coverage).
with

coverage as (

    select * from analytics.action_coverage

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
