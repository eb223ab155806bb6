-- One row per funder: planned funding of the selection, with the funder it rolls up to.
-- Run it: cdv query dashboard/sql/funding_by_funder.sql [--param contract_code=CVnnn ...]
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

final as (

    select
        funder_code,
        funder_name,
        funder_type,
        funder_role,
        root_funder_code,
        root_funder_name,
        sum(amount_eur) as amount_eur,
        sum(amount_eur) filter (where qpv_allocation = 'targeted') as targeted_eur,
        sum(amount_eur) filter (where qpv_allocation in ('shared_all', 'shared_several')) as shared_eur,
        sum(amount_eur) filter (where qpv_allocation = 'outside_qpv') as outside_qpv_eur,
        count(distinct funding_line_id) as funding_line_count

    from funding
    group by funder_code, funder_name, funder_type, funder_role, root_funder_code, root_funder_name

)

select * from final
order by amount_eur desc nulls last, funder_code
