/* grain: one row per QPV of the reference list, plus the explicit HORS_QPV member */
with

qpvs as (

    select * from {{ ref('int_qpvs') }}

),

hors_qpv as (

    -- Place names that are not QPVs (Territoire Entrepreneur, Espace Polygone...) and unspecified
    -- territories resolve here, never to a silent drop. "Every QPV" (ALL) is not a member: it is
    -- spread over the contract's QPVs.
    select
        {{ cdv_outside_qpv() }} as qpv_code,
        'Hors QPV / non précisé' as qpv_name,
        null::varchar as commune_insee,
        null::varchar as commune_name,
        null::varchar as communes_englobantes,
        null::varchar as department,
        null::varchar as region,
        null::integer as list_year,
        null::integer as pop_mun,
        null::varchar as contract_code,
        null::varchar as qpv_source,
        false as is_qpv

),

final as (

    select
        qpv_code,
        qpv_name,
        commune_insee,
        commune_name,
        communes_englobantes,
        department,
        region,
        list_year,
        pop_mun,
        contract_code,
        qpv_source,
        true as is_qpv

    from qpvs

    union all

    select * from hors_qpv

)

select * from final
