/* grain: one row per annex objective row × BOP programme × managing service (one per position of
   its pairing; an objective without BOP keeps one row with an empty programme) */
with

pairs as (

    select * from {{ ref('int_objective_bop_pairs') }}

),

objectives as (

    select * from {{ ref('int_annex_objectives_normalized') }}

),

final as (

    select
        pairs.objective_bop_pair_id as objective_bop_id,
        pairs.objective_row_id,
        pairs.document_sha256,
        pairs.document_file,
        pairs.contract_code,
        pairs.objective_ref,
        pairs.objective_ref_normalized,
        objectives.pillar,
        objectives.axis_number,
        objectives.axis_label,
        objectives.ref_axis_number,
        objectives.objective_label,
        pairs.pair_position,
        pairs.pairing_method,
        pairs.bop_as_written,
        pairs.bop_code,
        pairs.is_lolf_code,
        pairs.service_as_written,
        pairs.service_name,
        pairs.service_code,
        pairs.service_code is not null as is_service_resolved,
        pairs.had_bop_prefix,
        pairs.has_own_programme,
        pairs.is_extra_service,
        pairs.is_extra_bop,
        pairs.objective_has_no_bop,
        objectives.is_wildcard,
        objectives.has_letter_o,
        objectives.is_duplicate_ref,
        objectives.axis_contradicts_heading,
        pairs.source_line,
        pairs.objective_source_line

    from pairs
    inner join objectives
        on pairs.objective_row_id = objectives.objective_row_id
    -- A pair the objective lists twice counts once (int_objective_bop_anomalies reports it).
    where not pairs.is_repeated_pair

)

select * from final
