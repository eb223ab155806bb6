-- One row per action (a fiche's sub-action, i.e. one of its funding tables): planned funding of the
-- selection.
with

funding as (

    -- The dashboard's filters, each null (everything) or one value: contract, funder (or the funder it
    -- rolls up to), funder type, pillar, strategic axis, fiche, QPV, year; planned funding (the
    -- contract documents) unless $funding_kind is 'executed' (the ANCT open data).
    select * from analytics.funding_by_qpv_year
    where funding_kind = coalesce($funding_kind, 'planned')
        and ($contract_code is null or contract_code = $contract_code)
        and ($funder_code is null or funder_code = $funder_code or root_funder_code = $funder_code)
        and ($axis_code is null or axis_code = $axis_code)
        and ($qpv_code is null or qpv_code = $qpv_code)
        and ($funding_year is null or funding_year = cast($funding_year as integer))
        and ($funder_type is null or funder_type = $funder_type)
        and ($pillar is null or pillar = $pillar)
        and ($fiche_code is null or fiche_code = $fiche_code)

),

actions as (

    select * from marts.dim_action

),

final as (

    select
        funding.contract_code,
        actions.pillar,
        actions.axis_code,
        actions.objective_code,
        actions.fiche_code,
        actions.fiche_title,
        actions.sub_action,
        sum(funding.amount_eur) as amount_eur,
        count(distinct funding.funding_line_id) as funding_line_count,
        funding.action_id

    from funding
    left join actions
        on funding.action_id = actions.action_id
    group by
        funding.contract_code,
        actions.pillar,
        actions.axis_code,
        actions.objective_code,
        actions.fiche_code,
        actions.fiche_title,
        actions.sub_action,
        funding.action_id

)

select * from final
order by contract_code, fiche_code, sub_action nulls first, action_id
