-- One row per year and funder for one QPV (parameter $qpv_code): its planned funding over time.
with

funding as (

    select * from marts.fct_funding
    where qpv_code = $qpv_code
        and source_kind = 'document'

),

funders as (

    select * from marts.dim_funder

),

final as (

    select
        funding.funding_year,
        funding.funder_code,
        funders.funder_name,
        sum(funding.amount_eur) as amount_eur,
        count(distinct funding.funding_line_id) as funding_line_count

    from funding
    left join funders
        on funding.funder_code = funders.funder_code
    group by all

)

select * from final
order by funding_year, amount_eur desc, funder_code
