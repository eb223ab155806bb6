/* grain: one row per contract document whose critical expectation fails: a programme d'actions that
   yields no fiche or no funding table, an annex of objectives that yields no objective. Such a
   document was not read as its kind says: it is quarantined whole (no mart reads any of its rows,
   see macro cdv_is_current_document) and every other document publishes. */
with

documents as (

    select * from {{ ref('stg_documents__documents') }}
    where document_kind in ('programme_actions', 'annexe_objectifs_bop')

),

fiche_counts as (

    select
        document_sha256,
        count(*) as row_count
    from {{ ref('stg_documents__fiches') }}
    group by document_sha256

),

table_counts as (

    select
        document_sha256,
        count(*) as row_count
    from {{ ref('stg_documents__funding_tables') }}
    group by document_sha256

),

objective_counts as (

    select
        document_sha256,
        count(*) as row_count
    from {{ ref('stg_documents__annex_objectives') }}
    group by document_sha256

),

counted as (

    select
        documents.document_sha256,
        documents.document_file,
        documents.document_kind,
        documents.contract_code,
        coalesce(fiche_counts.row_count, 0) as fiche_count,
        coalesce(table_counts.row_count, 0) as funding_table_count,
        coalesce(objective_counts.row_count, 0) as objective_count

    from documents
    left join fiche_counts
        on documents.document_sha256 = fiche_counts.document_sha256
    left join table_counts
        on documents.document_sha256 = table_counts.document_sha256
    left join objective_counts
        on documents.document_sha256 = objective_counts.document_sha256

),

final as (

    select
        document_sha256,
        document_file,
        document_kind,
        contract_code,
        case
            when document_kind = 'programme_actions' and fiche_count = 0 then 'programme_without_fiche'
            when document_kind = 'programme_actions' and funding_table_count = 0
                then 'programme_without_funding_table'
            when document_kind = 'annexe_objectifs_bop' and objective_count = 0
                then 'annex_without_objective'
        end as rule,
        case
            when document_kind = 'programme_actions' and fiche_count = 0
                then 'a programme d''actions from which no fiche was read: not read as a programme, quarantined whole'
            when document_kind = 'programme_actions' and funding_table_count = 0
                then 'a programme d''actions of ' || cast(fiche_count as varchar)
                    || ' fiches from which no funding table was read: its money would vanish, quarantined whole'
            when document_kind = 'annexe_objectifs_bop' and objective_count = 0
                then 'an annex of objectives from which no objective was read: quarantined whole'
        end as message

    from counted

)

select * from final
where rule is not null
