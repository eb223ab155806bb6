/* grain: one row per contract document (programme d'actions, annexe objectifs / BOP): whether it is
   the current version of its programme or annex, or superseded by a newer one.
   The order the user writes in a cdv.toml (versions = [...], oldest first) beats everything else.
   Two documents of one contract and kind are versions of one another when they share half the fiche
   (or objective) codes of the smaller one and their funding years meet (a 2017 programmation reusing
   the 2016 action codes is another programme, not a version). Newer: the date the document states,
   else its file's modification time, else the later load; a copy the ingest found truncated never
   supersedes a complete version (it ranks older among documents of the same stated date). */
with

documents as (

    select * from {{ ref('stg_documents__documents') }}
    where document_kind in ('programme_actions', 'annexe_objectifs_bop')
        and contract_code is not null
        -- A document quarantined whole is no version of anything.
        and document_sha256 not in (
            select quarantined.document_sha256 from {{ ref('int_quarantined_documents') }} as quarantined
        )

),

codes as (

    select distinct
        document_sha256,
        fiche_code as code
    from {{ ref('stg_documents__fiches') }}
    where fiche_code is not null

    union

    select distinct
        document_sha256,
        objective_ref as code
    from {{ ref('stg_documents__annex_objectives') }}
    where objective_ref is not null

),

code_counts as (

    select
        document_sha256,
        count(*) as code_count
    from codes
    group by document_sha256

),

truncated as (

    select distinct document_sha256
    from {{ ref('stg_documents__ingest_issues') }}
    where rule = 'truncated_document'

),

years as (

    select distinct
        document_sha256,
        year_start as funding_year
    from {{ ref('stg_documents__funding_lines') }}
    where year_start is not null

),

ordered as (

    select
        documents.document_sha256,
        documents.document_file,
        documents.document_kind,
        documents.contract_code,
        documents.stated_date,
        documents.file_modified_at,
        documents.loaded_at,
        documents.version_rank,
        coalesce(code_counts.code_count, 0) as code_count,
        truncated.document_sha256 is not null as is_truncated,
        case
            when documents.version_rank is not null then 'manifest'
            when documents.stated_date is not null then 'stated_date'
            when documents.file_modified_at is not null then 'file_modified_at'
            else 'loaded_at'
        end as version_basis,
        row_number() over (
            order by
                documents.version_rank nulls first,
                documents.stated_date nulls first,
                truncated.document_sha256 is null,
                documents.file_modified_at nulls first,
                documents.loaded_at,
                documents.document_file,
                documents.document_sha256
        ) as age_rank

    from documents
    left join code_counts
        on documents.document_sha256 = code_counts.document_sha256
    left join truncated
        on documents.document_sha256 = truncated.document_sha256

),

shared as (

    select
        older.document_sha256 as older_sha256,
        newer.document_sha256 as newer_sha256,
        count(*) as shared_codes

    from ordered as older
    inner join ordered as newer
        on older.contract_code = newer.contract_code
            and older.document_kind = newer.document_kind
            and older.age_rank < newer.age_rank
    inner join codes as older_codes
        on older.document_sha256 = older_codes.document_sha256
    inner join codes as newer_codes
        on newer.document_sha256 = newer_codes.document_sha256
            and older_codes.code = newer_codes.code
    group by older.document_sha256, newer.document_sha256, older.code_count, newer.code_count
    having count(*) * 2 >= least(older.code_count, newer.code_count)

),

versions as (

    -- Funding years meet when either document states none or both state one year in common.
    select
        shared.older_sha256,
        shared.newer_sha256,
        shared.shared_codes,
        newer.document_file as newer_file,
        newer.age_rank as newer_rank

    from shared
    inner join ordered as newer
        on shared.newer_sha256 = newer.document_sha256
    where not exists (
            select 1 from years
            where years.document_sha256 = shared.older_sha256
        )
        or not exists (
            select 1 from years
            where years.document_sha256 = shared.newer_sha256
        )
        or exists (
            select 1
            from years as older_years
            inner join years as newer_years
                on older_years.funding_year = newer_years.funding_year
            where older_years.document_sha256 = shared.older_sha256
                and newer_years.document_sha256 = shared.newer_sha256
        )

),

newest_successor as (

    select
        older_sha256,
        newer_sha256,
        newer_file,
        shared_codes
    from (
        select
            versions.*,
            row_number() over (
                partition by versions.older_sha256 order by versions.newer_rank desc nulls last
            ) as successor_rank
        from versions
    ) as ranked
    where successor_rank = 1

),

final as (

    select
        ordered.document_sha256,
        ordered.document_file,
        ordered.document_kind,
        ordered.contract_code,
        ordered.version_basis,
        ordered.stated_date,
        ordered.file_modified_at,
        ordered.loaded_at,
        ordered.code_count,
        ordered.is_truncated,
        newest_successor.newer_sha256 is null as is_current,
        newest_successor.newer_sha256 as superseded_by_sha256,
        newest_successor.newer_file as superseded_by_file,
        coalesce(newest_successor.shared_codes, 0) as shared_codes

    from ordered
    left join newest_successor
        on ordered.document_sha256 = newest_successor.older_sha256

)

select * from final
