/* grain: one row per LOLF programme, plus one per non-LOLF code written where a BOP is expected */
with

programmes as (

    select * from {{ ref('stg_reference__lolf_programmes') }}

),

pairs as (

    select * from {{ ref('int_objective_bop_pairs') }}

),

state_services as (

    select * from {{ ref('stg_reference__state_services') }}

),

service_aliases as (

    select * from {{ ref('stg_reference__state_service_aliases') }}

),

non_lolf_codes as (

    select distinct bop_code

    from pairs
    where not is_lolf_code

),

non_lolf_labels as (

    -- CNDS is a body, not a programme: its label is the body's, from the State services.
    select
        non_lolf_codes.bop_code,
        min(state_services.service_label) as service_label,
        min(state_services.ministry) as ministry

    from non_lolf_codes
    left join service_aliases
        on non_lolf_codes.bop_code = service_aliases.alias
    left join state_services
        on service_aliases.service_code = state_services.service_code
    group by non_lolf_codes.bop_code

),

final as (

    select
        programme_code,
        programme_label,
        mission_label,
        label_lfi2013,
        mission_lfi2013,
        label_plf2025,
        mission_plf2025,
        nature,
        true as is_lolf,
        'ref_lolf_programmes' as code_origin

    from programmes

    union all

    select
        bop_code as programme_code,
        coalesce(service_label, 'Code hors LOLF ' || bop_code) as programme_label,
        null::varchar as mission_label,
        null::varchar as label_lfi2013,
        null::varchar as mission_lfi2013,
        null::varchar as label_plf2025,
        null::varchar as mission_plf2025,
        'hors_lolf' as nature,
        false as is_lolf,
        'annex' as code_origin

    from non_lolf_labels

)

select * from final
