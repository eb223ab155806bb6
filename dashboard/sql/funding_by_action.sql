-- One row per action funded: a fiche's sub-action (its funding table), with the fiche, objective,
-- axis and pillar above it.
with

funding as (

    -- Planned funding only: the contract documents, not the ANCT open data (executed).
    select * from marts.fct_funding
    where source_kind = 'document'

),

actions as (

    select * from marts.dim_action

),

final as (

    select
        actions.contract_code,
        actions.pillar,
        actions.axis_code,
        actions.objective_code,
        actions.fiche_code,
        actions.fiche_title,
        actions.sub_action,
        sum(funding.amount_eur) as amount_eur,
        count(distinct funding.funding_line_id) as funding_line_count,
        funding.action_id

    from funding
    left join actions
        on funding.action_id = actions.action_id
    group by all

)

select * from final
order by contract_code, fiche_code, sub_action nulls first, action_id
