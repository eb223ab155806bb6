/* grain: one row per executed funding line (ANCT post): the ANCT open data names no QPV, so each post
   goes to the explicit HORS_QPV member, as a line whose territory says nothing does */
with

lines as (

    select * from {{ ref('int_anct_funding_lines') }}

),

final as (

    select
        funding_line_id || ':' || {{ cdv_outside_qpv() }} as line_qpv_id,
        funding_line_id,
        {{ cdv_outside_qpv() }} as qpv_code,
        'unspecified' as match_kind,
        null::varchar as matched_alias,
        null::bigint as part_cents

    from lines

)

select * from final
