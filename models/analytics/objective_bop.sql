/* grain: one row per annex objective row × BOP programme × managing service (flat view for analysts;
   the first eleven columns are a stable contract) */
with

objective_bops as (

    select * from {{ ref('fct_objective_bop') }}

),

programmes as (

    select * from {{ ref('dim_bop_programme') }}

),

objectives as (

    select * from {{ ref('int_annex_objectives_normalized') }}

),

final as (

    select
        objective_bops.contract_code,
        objective_bops.objective_ref,
        objective_bops.objective_ref_normalized,
        objective_bops.pillar,
        case
            when objective_bops.axis_number is not null
                then 'Axe ' || objective_bops.axis_number || ' : ' || objective_bops.axis_label
            else 'Axe transversal : ' || objective_bops.axis_label
        end as axis,
        objective_bops.objective_label,
        objective_bops.bop_code,
        programmes.programme_label as bop_label,
        objective_bops.service_name as service,
        objectives.indicator,
        objectives.national_target,
        objective_bops.source_line,
        objective_bops.document_file,
        objective_bops.objective_source_line,
        objective_bops.axis_number,
        objective_bops.service_code,
        objective_bops.pair_position,
        objective_bops.pairing_method,
        objective_bops.is_lolf_code,
        objective_bops.is_extra_service,
        objective_bops.is_duplicate_ref,
        objective_bops.axis_contradicts_heading,
        objective_bops.objective_bop_id

    from objective_bops
    left join programmes
        on objective_bops.bop_code = programmes.programme_code
    left join objectives
        on objective_bops.objective_row_id = objectives.objective_row_id

)

select * from final
