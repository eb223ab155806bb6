/* grain: one row per data-quality issue: what the ingest could not read cleanly (failed arithmetic
   checks of the documents included), the anomalies of the objective / BOP annexes found by dbt, and
   the documents a newer version of themselves superseded */
with

ingest_issues as (

    select * from {{ ref('stg_documents__ingest_issues') }}

),

annex_anomalies as (

    select * from {{ ref('int_objective_bop_anomalies') }}

),

versions as (

    select * from {{ ref('document_versions') }}
    where not is_current

),

from_ingest as (

    select
        document_file,
        source_line,
        rule,
        severity,
        message,
        source_text,
        'ingest' as detected_by,
        issue_id

    from ingest_issues

),

from_dbt as (

    select
        document_file,
        source_line,
        rule,
        severity,
        message,
        source_text,
        'dbt' as detected_by,
        'dbt:' || substr(document_sha256, 1, 16) || ':' || coalesce(source_line::varchar, '-') || ':' || rule
            as issue_id

    from annex_anomalies

),

from_versions as (

    -- A programme or annex replaced by a newer version of itself: what changed, and that its money
    -- is no longer counted.
    select
        document_file,
        null::integer as source_line,
        'document_superseded' as rule,
        'warning' as severity,
        'superseded by ' || superseded_by_file || ' (newer by ' || replace(version_basis, '_', ' ') || '): '
        || lines_added::varchar || ' funding lines added, '
        || lines_removed::varchar || ' removed, '
        || amounts_changed::varchar || ' amounts changed; its '
        || funding_line_count::varchar || ' lines ('
        || amount_eur::varchar || ' EUR) are not counted in any total' as message,
        '' as source_text,
        'dbt' as detected_by,
        'dbt:' || substr(document_sha256, 1, 16) || ':-:document_superseded' as issue_id

    from versions

),

final as (

    select * from from_ingest
    union all
    select * from from_dbt
    union all
    select * from from_versions

)

select * from final
