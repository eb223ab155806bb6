-- One row: the warehouse at a glance. Planned funding comes from the contract documents,
-- executed funding from the ANCT open data (source_kind document / dataset).
with

allocated as (

    select
        sum(amount_eur) filter (where source_kind = 'document') as planned_eur,
        sum(amount_eur) filter (where source_kind = 'dataset') as executed_eur,
        count(distinct qpv_code) filter (where source_kind = 'document' and qpv_code <> 'HORS_QPV')
            as qpv_count

    from marts.fct_funding

),

lines as (

    select
        count(*) filter (where source_kind = 'document') as funding_line_count,
        count(*) filter (where source_kind = 'dataset') as executed_line_count,
        sum(amount_eur) filter (where source_kind = 'document') as line_amount_eur

    from analytics.funding_lines

),

issues as (

    select count(*) as issue_count
    from analytics.dq_issues

),

final as (

    select
        allocated.planned_eur,
        allocated.executed_eur,
        lines.funding_line_count,
        lines.executed_line_count,
        lines.line_amount_eur,
        allocated.qpv_count,
        issues.issue_count

    from allocated
    cross join lines
    cross join issues

)

select * from final
