-- The funding lines behind the headline figure (headline.sql), with their provenance: the same
-- definitions (Département = funders rolling up to CD66; employment actions = fiches of the axis
-- "insertion professionnelle"; Centre Ancien = QP066008; 2016), one row per funding line.
-- A test keeps the sum of share_eur equal to headline.sql's amount_eur.
with

employment_fiches as (

    select
        action_id as fiche_id,
        fiche_code

    from marts.dim_action
    where action_level = 'fiche'
        and axis_label ilike '%insertion professionnelle%'

),

departement as (

    select funder_code
    from marts.dim_funder
    where root_funder_code = 'DEP-66'

),

shares as (

    select
        fct_funding.funding_line_id,
        employment_fiches.fiche_code,
        fct_funding.funder_code,
        fct_funding.amount_eur as share_eur,
        fct_funding.line_amount_eur,
        fct_funding.share_count

    from marts.fct_funding
    inner join employment_fiches
        on fct_funding.fiche_id = employment_fiches.fiche_id
    inner join departement
        on fct_funding.funder_code = departement.funder_code
    where fct_funding.source_kind = 'document'
        and fct_funding.qpv_code = 'QP066008'
        and fct_funding.funding_year = 2016

),

final as (

    select
        shares.fiche_code,
        funding_lines.sub_action,
        shares.funder_code,
        funding_lines.dispositif,
        shares.share_eur,
        shares.line_amount_eur,
        shares.share_count,
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
