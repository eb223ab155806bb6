/* grain: one row per planned funding line (contract documents) × QPV it is allocated to (or the
   HORS_QPV member) */
with

lines as (

    select * from {{ ref('int_document_funding_lines') }}

),

targets as (

    select * from {{ ref('stg_documents__territory_targets') }}

),

documents as (

    select * from {{ ref('stg_documents__documents') }}

),

document_qpvs as (

    -- The QPVs of each document's contract as the ingest read them: the reference's (by rule or
    -- explicit) and those the document names in its département.
    select
        document_sha256,
        unnest(contract_qpvs) as qpv_code

    from documents
    where contract_qpvs is not null

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
    where targets.target_code like 'Q%'

    union all

    -- "Tous les QPV" and its synonyms: every QPV of the document's contract.
    select
        lines.funding_line_id,
        document_qpvs.qpv_code,
        targets.match_kind,
        targets.matched_alias

    from lines
    inner join targets
        on lines.table_id = targets.table_id
    inner join document_qpvs
        on lines.document_sha256 = document_qpvs.document_sha256
    where targets.target_code = 'ALL'

    union all

    -- Places that are not QPVs, territories that say nothing, and "every QPV" of a contract whose
    -- QPVs are not known: the explicit outside member.
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
            select 1 from document_qpvs where document_qpvs.document_sha256 = lines.document_sha256
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
