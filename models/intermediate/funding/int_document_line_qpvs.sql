/* grain: one row per planned funding line (contract documents) × QPV it is allocated to (or the
   HORS_QPV member) */
with

lines as (

    select * from {{ ref('int_document_funding_lines') }}

),

targets as (

    select * from {{ ref('stg_documents__territory_targets') }}

),

qpvs as (

    select * from {{ ref('ref_qpv') }}

),

expanded as (

    -- A QPV named directly.
    select
        lines.funding_line_id,
        targets.target_code as qpv_code,
        targets.match_kind,
        targets.matched_alias

    from lines
    inner join targets
        on lines.table_id = targets.table_id
    where targets.target_code like 'QP%'

    union all

    -- "Tous les QPV" and its synonyms: every QPV of the line's contract.
    select
        lines.funding_line_id,
        qpvs.qpv_code,
        targets.match_kind,
        targets.matched_alias

    from lines
    inner join targets
        on lines.table_id = targets.table_id
    inner join qpvs
        on lines.contract_code = qpvs.contract_code
    where targets.target_code = 'ALL'

    union all

    -- Places that are not QPVs, and territories that say nothing: the explicit outside member.
    select
        lines.funding_line_id,
        'HORS_QPV' as qpv_code,
        targets.match_kind,
        targets.matched_alias

    from lines
    inner join targets
        on lines.table_id = targets.table_id
    where targets.target_code = 'NONE'
        or (targets.target_code = 'ALL' and not exists (
            select 1 from qpvs where qpvs.contract_code = lines.contract_code
        ))

    union all

    -- A line whose table has no target at all (not expected: the ingest always writes one).
    select
        lines.funding_line_id,
        'HORS_QPV' as qpv_code,
        'unspecified' as match_kind,
        null as matched_alias

    from lines
    where not exists (select 1 from targets where targets.table_id = lines.table_id)

),

final as (

    select
        funding_line_id || ':' || qpv_code as line_qpv_id,
        funding_line_id,
        qpv_code,
        min(match_kind) as match_kind,
        min(matched_alias) as matched_alias

    from expanded
    group by funding_line_id, qpv_code

)

select * from final
