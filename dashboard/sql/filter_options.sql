-- The values each dashboard filter offers: what the warehouse holds (planned funding; both kinds for
-- funding_kind), with labels.
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
    union all
    select distinct 'funder_type', funder_type,
        case funder_type when 'etat' then 'État' when 'collectivite' then 'Collectivité'
            when 'organisme' then 'Organisme' when 'europe' then 'Europe' else funder_type end
    from funding where funder_type is not null
    union all
    select distinct 'pillar', pillar, pillar from funding where pillar is not null
    union all
    select distinct 'fiche_code', fiche_code, 'Fiche ' || fiche_code || ' ' || coalesce(fiche_title, '')
    from funding where fiche_code is not null
    union all
    select distinct 'funding_kind', funding_kind,
        case funding_kind when 'planned' then 'Prévu (documents des contrats)' else 'Exécuté (open data ANCT)' end
    from analytics.funding_by_qpv_year

)

select * from final
order by filter, value
