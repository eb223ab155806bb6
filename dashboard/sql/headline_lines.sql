-- The funding lines behind the headline figure (headline.sql, same filters), with their provenance:
-- one row per funding line. A test keeps the sum of share_eur equal to headline.sql's amount_eur.
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

shares as (

    select
        funding_line_id,
        fiche_code,
        funder_code,
        sum(amount_eur) as share_eur

    from funding
    group by funding_line_id, fiche_code, funder_code

),

final as (

    select
        shares.fiche_code,
        funding_lines.sub_action,
        shares.funder_code,
        funding_lines.funder_name,
        funding_lines.dispositif,
        shares.share_eur,
        funding_lines.amount_eur as line_amount_eur,
        funding_lines.year_start,
        funding_lines.year_end,
        funding_lines.document_file,
        funding_lines.source_line,
        funding_lines.source_text,
        shares.funding_line_id

    from shares
    left join analytics.funding_lines
        on shares.funding_line_id = funding_lines.funding_line_id

)

select * from final
order by fiche_code, source_line, funding_line_id
