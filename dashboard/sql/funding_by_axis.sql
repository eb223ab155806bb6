-- One row per pillar and strategic axis.
with

funding as (

    -- Planned funding only: the contract documents, not the ANCT open data (executed).
    select * from marts.fct_funding
    where source_kind = 'document'

),

fiches as (

    select * from marts.dim_action
    where action_level = 'fiche'

),

final as (

    select
        fiches.contract_code,
        fiches.pillar,
        fiches.axis_code,
        fiches.axis_label,
        sum(funding.amount_eur) as amount_eur,
        count(distinct funding.funding_line_id) as funding_line_count

    from funding
    left join fiches
        on funding.fiche_id = fiches.action_id
    group by all

)

select * from final
order by contract_code, pillar, axis_code
