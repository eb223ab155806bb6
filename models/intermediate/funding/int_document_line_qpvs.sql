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

parts as (

    -- "Of which" parts that name one QPV ("dont 3 ACI <quartier> = <montant>"), in cents per QPV.
    select
        funding_line_id,
        qpv_code,
        sum((amount_eur * 100)::bigint) as part_cents

    from {{ ref('stg_documents__funding_line_parts') }}
    where qpv_code is not null
    group by funding_line_id, qpv_code

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

qpv_lines as (

    -- Amounts for the neighbourhoods; a whole territory's amount ("menée à l'échelle départementale")
    -- is not QPV money, whatever its table's territory says.
    select * from lines
    where scope = 'qpv'

),

expanded as (

    -- A whole territory's amount: outside the QPVs.
    select
        lines.funding_line_id,
        {{ cdv_outside_qpv() }} as qpv_code,
        'territory_wide' as match_kind,
        lines.scope as matched_alias

    from lines
    where lines.scope <> 'qpv'

    union all

    -- A QPV named directly.
    select
        lines.funding_line_id,
        targets.target_code as qpv_code,
        targets.match_kind,
        targets.matched_alias

    from qpv_lines as lines
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

    from qpv_lines as lines
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
        {{ cdv_outside_qpv() }} as qpv_code,
        targets.match_kind,
        targets.matched_alias

    from qpv_lines as lines
    inner join targets
        on lines.table_id = targets.table_id
    where targets.target_code = 'NONE'
        or (targets.target_code = 'ALL' and not exists (
            select 1 from document_qpvs
            where document_qpvs.document_sha256 = lines.document_sha256
        ))

    union all

    -- A line whose table has no target at all (not expected: the ingest always writes one).
    select
        lines.funding_line_id,
        {{ cdv_outside_qpv() }} as qpv_code,
        'unspecified' as match_kind,
        null as matched_alias

    from qpv_lines as lines
    where not exists (
            select 1 from targets
            where targets.table_id = lines.table_id
        )

    union all

    -- A QPV an "of which" part names that the table's territory did not.
    select
        lines.funding_line_id,
        parts.qpv_code,
        'part' as match_kind,
        null as matched_alias

    from qpv_lines as lines
    inner join parts
        on lines.funding_line_id = parts.funding_line_id

),

line_qpvs as (

    -- One row per line and QPV; a QPV reached only through a part is the part's, not HORS_QPV.
    select
        funding_line_id,
        qpv_code,
        coalesce(min(match_kind) filter (where match_kind <> 'part'), 'part') as match_kind,
        min(matched_alias) as matched_alias

    from expanded
    group by funding_line_id, qpv_code

),

final as (

    select
        line_qpvs.funding_line_id || ':' || line_qpvs.qpv_code as line_qpv_id,
        line_qpvs.funding_line_id,
        line_qpvs.qpv_code,
        line_qpvs.match_kind,
        line_qpvs.matched_alias,
        parts.part_cents

    from line_qpvs
    left join parts
        on line_qpvs.funding_line_id = parts.funding_line_id
            and line_qpvs.qpv_code = parts.qpv_code

)

select * from final
