-- The values each dashboard filter offers: what the warehouse holds (planned funding), with labels.
with

funding as (

    select * from analytics.funding_by_qpv_year
    where funding_kind = 'planned'

),

final as (

    select distinct 'contract_code' as filter, contract_code as value, contract_code || ' ' || coalesce(contract_name, '') as label
    from funding where contract_code is not null
    union all
    select distinct 'funder_code', funder_code, coalesce(funder_name, funder_code) from funding
    union all
    select distinct 'funder_code', root_funder_code, coalesce(root_funder_name, root_funder_code) || ' (et ses services)'
    from funding where root_funder_code <> funder_code
    union all
    select distinct 'axis_code', axis_code, 'Axe ' || axis_code || ' ' || coalesce(axis_label, '') from funding where axis_code is not null
    union all
    select distinct 'qpv_code', qpv_code, qpv_code || ' ' || coalesce(qpv_name, '') from funding
    union all
    select distinct 'funding_year', cast(funding_year as varchar), cast(funding_year as varchar) from funding

)

select * from final
order by filter, value
