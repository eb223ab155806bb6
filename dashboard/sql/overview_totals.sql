-- One row: the selection at a glance. Planned funding comes from the contract documents, executed
-- funding from the ANCT open data (for the contract chosen, or all).
with

funding as (

    -- The dashboard's filters, each null (everything) or one value: contract, funder (or the funder it
    -- rolls up to), funder type, pillar, strategic axis, fiche, QPV, year. Planned: the contract documents.
    select * from analytics.funding_by_qpv_year
    where funding_kind = 'planned'
        and ($contract_code is null or contract_code = $contract_code)
        and ($funder_code is null or funder_code = $funder_code or root_funder_code = $funder_code)
        and ($axis_code is null or axis_code = $axis_code)
        and ($qpv_code is null or qpv_code = $qpv_code)
        and ($funding_year is null or funding_year = cast($funding_year as integer))
        and ($funder_type is null or funder_type = $funder_type)
        and ($pillar is null or pillar = $pillar)
        and ($fiche_code is null or fiche_code = $fiche_code)

),

executed as (

    select sum(amount_eur) as executed_eur
    from analytics.funding_by_qpv_year
    where funding_kind = 'executed'
        and ($contract_code is null or contract_code = $contract_code)
        and ($funding_year is null or funding_year = cast($funding_year as integer))
        and ($funder_type is null or funder_type = $funder_type)
        and ($pillar is null or pillar = $pillar)
        and ($fiche_code is null or fiche_code = $fiche_code)

),

allocated as (

    select
        sum(amount_eur) as planned_eur,
        count(distinct funding_line_id) as funding_line_count,
        -- QPVs reached: not the money kept outside them (the explicit member of dim_qpv).
        count(distinct qpv_code) filter (where qpv_allocation not in ('outside_qpv', 'territory_wide')) as qpv_count,
        count(distinct contract_code) as contract_count

    from funding

),

issues as (

    select count(*) as issue_count
    from analytics.dq_issues

),

final as (

    select
        allocated.planned_eur,
        executed.executed_eur,
        allocated.funding_line_count,
        allocated.qpv_count,
        allocated.contract_count,
        issues.issue_count

    from allocated
    cross join executed
    cross join issues

)

select * from final
