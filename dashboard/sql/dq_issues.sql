-- Every data-quality issue, with the line and the exact text it is about.
with

issues as (

    select * from analytics.dq_issues

),

final as (

    select
        severity,
        rule,
        document_file,
        source_line,
        message,
        source_text,
        detected_by,
        issue_id

    from issues

)

select * from final
order by case severity when 'error' then 1 when 'warning' then 2 else 3 end, document_file, source_line, rule, issue_id
