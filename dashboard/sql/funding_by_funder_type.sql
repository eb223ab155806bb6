-- One row per funder type (etat, collectivite, europe, organisme, association, inconnu).
with

funding as (

    -- Planned funding only: the contract documents, not the ANCT open data (executed).
    select * from marts.fct_funding
    where source_kind = 'document'

),

funders as (

    select * from marts.dim_funder

),

final as (

    select
        coalesce(funders.funder_type, 'inconnu') as funder_type,
        sum(funding.amount_eur) as amount_eur,
        count(distinct funding.funder_code) as funder_count,
        count(distinct funding.funding_line_id) as funding_line_count

    from funding
    left join funders
        on funding.funder_code = funders.funder_code
    group by all

)

select * from final
order by amount_eur desc, funder_type
