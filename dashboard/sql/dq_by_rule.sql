-- One row per document, rule and severity of the data-quality issues.
with

issues as (

    select * from analytics.dq_issues

),

final as (

    select
        document_file,
        rule,
        severity,
        detected_by,
        count(*) as issue_count

    from issues
    group by document_file, rule, severity, detected_by

)

select * from final
order by issue_count desc nulls last, document_file, rule, severity, detected_by
