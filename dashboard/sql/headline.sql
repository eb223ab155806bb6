-- The headline question: how much does the Département (CD66, and any funder that rolls up to it)
-- put into employment actions in Centre Ancien (QP066008) in 2016?
-- "Employment actions" are the fiches of the axis whose label names "insertion professionnelle"
-- (Perpignan's axis 3, "parcours vers l'insertion professionnelle durable", objectives 3-1 to 3-4):
-- the document's own hierarchy, not a keyword search of titles. Amounts are planned funding (the
-- contract documents, not the ANCT open data): the shares marts.fct_funding allocates to the QPV
-- and the year (a line for several QPVs is split evenly among them).
-- Run it: cdv query dashboard/sql/headline.sql
with

employment_fiches as (

    select action_id as fiche_id
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
        fct_funding.amount_eur

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
        'DEP-66' as funder_code,
        'QP066008' as qpv_code,
        (select qpv_name from marts.dim_qpv where qpv_code = 'QP066008') as qpv_name,
        2016 as funding_year,
        coalesce(sum(shares.amount_eur), 0)::decimal(18, 2) as amount_eur,
        count(distinct shares.funding_line_id) as funding_line_count

    from shares

)

select * from final
