/* grain: one row per programme or annex document of a contract: whether it is the current version,
   what replaced it and what changed from it to its successor (funding lines added, removed, amounts
   changed), and the money of its own that no total counts any more */
with

versions as (

    select * from {{ ref('int_document_versions') }}

),

lines as (

    select * from {{ ref('stg_documents__funding_lines') }}

),

keyed as (

    -- A line is the same line in two versions when it funds the same fiche, sub-action, funder,
    -- dispositif, financing type and first year.
    select
        document_sha256,
        concat_ws(
            '|',
            coalesce(fiche_code, ''),
            coalesce(sub_action, ''),
            coalesce(financing_type, ''),
            coalesce(funder_code, funder_name, column_header, ''),
            coalesce(dispositif_code, ''),
            coalesce(cast(year_start as varchar), '')
        ) as line_key,
        sum(amount_eur) as amount_eur

    from lines
    group by document_sha256, line_key

),

totals as (

    select
        document_sha256,
        count(*) as funding_line_count,
        sum(amount_eur) as amount_eur

    from lines
    group by document_sha256

),

pairs as (

    select
        document_sha256 as older_sha256,
        superseded_by_sha256 as newer_sha256
    from versions
    where not is_current

),

compared as (

    select
        pairs.older_sha256,
        older.line_key as older_key,
        newer.line_key as newer_key,
        older.amount_eur as older_amount_eur,
        newer.amount_eur as newer_amount_eur

    from pairs
    inner join keyed as older
        on pairs.older_sha256 = older.document_sha256
    left join keyed as newer
        on pairs.newer_sha256 = newer.document_sha256
            and older.line_key = newer.line_key

),

older_changes as (

    select
        older_sha256,
        count(*) filter (where newer_key is null) as lines_removed,
        count(*) filter (
            where newer_key is not null and older_amount_eur is distinct from newer_amount_eur
        ) as amounts_changed

    from compared
    group by older_sha256

),

added as (

    -- Lines of the successor without a counterpart in the superseded document.
    select
        pairs.older_sha256,
        count(*) as lines_added

    from pairs
    inner join keyed as newer
        on pairs.newer_sha256 = newer.document_sha256
    where not exists (
            select 1
            from keyed as older
            where older.document_sha256 = pairs.older_sha256
                and older.line_key = newer.line_key
        )
    group by pairs.older_sha256

),

final as (

    select
        versions.document_sha256,
        versions.document_file,
        versions.document_kind,
        versions.contract_code,
        versions.is_current,
        versions.superseded_by_file,
        versions.superseded_by_sha256,
        versions.version_basis,
        versions.stated_date,
        versions.file_modified_at,
        versions.loaded_at,
        versions.code_count,
        versions.shared_codes,
        versions.is_truncated,
        coalesce(totals.funding_line_count, 0) as funding_line_count,
        cast(coalesce(totals.amount_eur, 0) as decimal(18, 2)) as amount_eur,
        case when not versions.is_current then coalesce(added.lines_added, 0) end as lines_added,
        case when not versions.is_current then coalesce(older_changes.lines_removed, 0) end as lines_removed,
        case when not versions.is_current then coalesce(older_changes.amounts_changed, 0) end as amounts_changed

    from versions
    left join totals
        on versions.document_sha256 = totals.document_sha256
    left join older_changes
        on versions.document_sha256 = older_changes.older_sha256
    left join added
        on versions.document_sha256 = added.older_sha256

)

select * from final
