-- One row per funder: planned funding allocated over QPVs and years (marts.fct_funding; a line
-- given "per year" counts once for every year it covers), with the funder's type and the funder it
-- rolls up to (State services roll up to ETAT).
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
        funding.funder_code,
        funders.funder_name,
        funders.funder_type,
        funders.root_funder_code,
        roots.funder_name as root_funder_name,
        sum(funding.amount_eur) as amount_eur,
        count(distinct funding.funding_line_id) as funding_line_count

    from funding
    left join funders
        on funding.funder_code = funders.funder_code
    left join funders as roots
        on funders.root_funder_code = roots.funder_code
    group by all

)

select * from final
order by amount_eur desc, funder_code
