/* grain: one row per data-quality issue: what the ingest could not read cleanly (failed arithmetic
   checks of the documents included), and the anomalies of the objective / BOP annexes found by dbt */
with

ingest_issues as (

    select * from {{ ref('stg_documents__ingest_issues') }}

),

annex_anomalies as (

    select * from {{ ref('int_objective_bop_anomalies') }}

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

final as (

    select * from from_ingest
    union all
    select * from from_dbt

)

select * from final
