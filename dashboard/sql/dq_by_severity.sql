-- One row per severity of the open data-quality issues.
with

issues as (

    select * from analytics.dq_issues

),

final as (

    select
        severity,
        count(*) as issue_count

    from issues
    group by severity

)

select * from final
order by case severity when 'error' then 1 when 'warning' then 2 else 3 end
