/* grain: one row per data-quality issue: what the ingest could not read cleanly, failed arithmetic
   checks, and the anomalies of the objective / BOP annexes */
with

ingest_issues as (

    select * from {{ ref('stg_documents__ingest_issues') }}

),

final as (

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

)

select * from final
