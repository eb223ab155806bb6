-- The question of the selection, as one figure: how much does the funder (and every funder rolling
-- up to it) put into the axis, in the QPV, in the year chosen? Each filter left out means "all".
-- For example a Département, one axis, one QPV and one year (the README runs it on the bundled data):
--   cdv query dashboard/sql/headline.sql --param funder_code=DEP-<département> --param axis_code=<n> \
--       --param qpv_code=<QP code> --param funding_year=<year>
-- Amounts are planned funding (the contract documents), the shares marts.fct_funding allocates to
-- the QPV and the year (a line for several QPVs is split evenly among them).
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
        coalesce(sum(amount_eur), 0)::decimal(18, 2) as amount_eur,
        count(distinct funding_line_id) as funding_line_count,
        coalesce(sum(amount_eur) filter (where qpv_allocation = 'targeted'), 0)::decimal(18, 2) as targeted_eur,
        coalesce(
            sum(amount_eur) filter (where qpv_allocation in ('shared_all', 'shared_several')), 0
        )::decimal(18, 2) as shared_eur,
        count(distinct contract_code) as contract_count

    from funding

)

select * from final
