-- One row per QPV (and HORS_QPV for places that are not QPVs): planned funding allocated to it in
-- the selection, split into money the text assigns to the QPV and money spread over several by rule.
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
        qpv_code,
        qpv_name,
        commune_name,
        sum(amount_eur) as amount_eur,
        coalesce(sum(amount_eur) filter (where qpv_allocation = 'targeted'), 0)::decimal(18, 2) as targeted_eur,
        coalesce(sum(amount_eur) filter (where qpv_allocation = 'shared_several'), 0)::decimal(18, 2) as shared_several_eur,
        coalesce(sum(amount_eur) filter (where qpv_allocation = 'shared_all'), 0)::decimal(18, 2) as shared_all_eur,
        count(distinct funding_line_id) as funding_line_count

    from funding
    group by qpv_code, qpv_name, commune_name

)

select * from final
order by qpv_code
