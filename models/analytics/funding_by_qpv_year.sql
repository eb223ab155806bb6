/* grain: one row per funding line × QPV × year (marts.fct_funding), planned or executed, with the
   names an analyst filters and groups by: "each funder, per QPV, per year" is one select. A table
   (not a view): every dashboard page filters it, and a table of the joined names answers in
   milliseconds where the view recomputed five joins over the whole fact at each query */
{{ config(materialized='table') }}

with

funding as (

    select * from {{ ref('fct_funding') }}

),

funders as (

    select * from {{ ref('dim_funder') }}

),

contracts as (

    select * from {{ ref('dim_contract') }}

),

qpvs as (

    select * from {{ ref('dim_qpv') }}

),

actions as (

    select * from {{ ref('dim_action') }}

),

line_qpvs as (

    select * from {{ ref('int_funding_line_qpvs') }}

),

line_qpv_counts as (

    select
        funding_line_id,
        count(*) filter (where qpv_code != {{ cdv_outside_qpv() }}) as qpv_count

    from line_qpvs
    group by funding_line_id

),

final as (

    select
        funding.contract_code,
        contracts.contract_name,
        case when funding.source_kind = 'document' then 'planned' else 'executed' end as funding_kind,
        funding.funder_code,
        funders.funder_name,
        funders.funder_role,
        funders.funder_type,
        funders.root_funder_code,
        roots.funder_name as root_funder_name,
        fiches.pillar,
        fiches.axis_code,
        fiches.axis_label,
        fiches.fiche_code,
        fiches.fiche_title,
        funding.qpv_code,
        qpvs.qpv_name,
        qpvs.commune_name,
        funding.funding_year,
        funding.amount_eur,
        -- Targeted: the text names this QPV (alone or among a few); shared: "tous les QPV" spread
        -- evenly by rule; outside: a place that is not a QPV, or nothing said.
        case
            when line_qpvs.match_kind = 'territory_wide' then 'territory_wide'
            when funding.qpv_code = {{ cdv_outside_qpv() }} then 'outside_qpv'
            when line_qpvs.match_kind = 'all' then 'shared_all'
            when line_qpv_counts.qpv_count > 1 then 'shared_several'
            else 'targeted'
        end as qpv_allocation,
        funding.financing_type,
        funding.dispositif_code,
        funding.funding_line_id,
        funding.action_id,
        funding.fiche_id

    from funding
    left join funders
        on funding.funder_code = funders.funder_code
    left join funders as roots
        on funders.root_funder_code = roots.funder_code
    left join contracts
        on funding.contract_code = contracts.contract_code
    left join qpvs
        on funding.qpv_code = qpvs.qpv_code
    left join actions as fiches
        on funding.fiche_id = fiches.action_id
    left join line_qpvs
        on funding.funding_line_id = line_qpvs.funding_line_id
            and funding.qpv_code = line_qpvs.qpv_code
    left join line_qpv_counts
        on funding.funding_line_id = line_qpv_counts.funding_line_id

)

select * from final
