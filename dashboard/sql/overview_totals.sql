-- One row: the warehouse at a glance.
with

allocated as (

    select
        sum(amount_eur) as planned_eur,
        count(distinct qpv_code) filter (where qpv_code <> 'HORS_QPV') as qpv_count

    from marts.fct_funding

),

lines as (

    select
        count(*) as funding_line_count,
        sum(amount_eur) as line_amount_eur

    from analytics.funding_lines

),

issues as (

    select count(*) as issue_count
    from analytics.dq_issues

),

final as (

    select
        allocated.planned_eur,
        lines.funding_line_count,
        lines.line_amount_eur,
        allocated.qpv_count,
        issues.issue_count

    from allocated
    cross join lines
    cross join issues

)

select * from final
