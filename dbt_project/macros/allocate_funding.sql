{#
    The allocation of funding lines to the star schema's grain, funding line × QPV × year: the
    body of the funding fact, applied to the planned (document) and executed (dataset) lines apart,
    so that a rebuild after a changed document does not allocate the 400,000 ANCT posts again.

    lines: relation of funding lines (int_funding_lines_enriched's columns); line_qpvs: relation of
    their QPVs (int_funding_line_qpvs's columns).
#}
{% macro cdv_allocate_funding(lines, line_qpvs) %}
with

lines as (

    select * from {{ lines }}

),

line_qpvs as (

    select * from {{ line_qpvs }}

),

line_years as (

    select
        funding_line_id,
        unnest(range(year_start, year_end + 1)) as funding_year

    from lines

),

cells as (

    select
        lines.funding_line_id,
        lines.table_id as action_id,
        lines.fiche_id,
        lines.contract_code,
        lines.funder_code,
        lines.dispositif_code,
        lines.financing_type,
        lines.source_kind,
        lines.beneficiary_key,
        line_qpvs.qpv_code,
        line_years.funding_year,
        lines.amount_eur as line_amount_eur,
        lines.is_recurring,
        lines.year_count,
        (lines.amount_eur * 100)::bigint as line_cents,
        -- A recurring line gives its whole amount every year, shared among its QPVs;
        -- any other line is shared among all its QPV × year cells.
        count(*) over share_group as share_count,
        row_number() over (share_group order by line_years.funding_year, line_qpvs.qpv_code) as share_rank

    from lines
    inner join line_qpvs
        on lines.funding_line_id = line_qpvs.funding_line_id
    inner join line_years
        on lines.funding_line_id = line_years.funding_line_id
    window share_group as (
        partition by lines.funding_line_id, case when lines.is_recurring then line_years.funding_year end
    )

),

allocated as (

    select
        *,
        -- Even split in cents; the remainder cents go one each to the first cells in
        -- (year, QPV code) order, so the split is deterministic and sums back exactly.
        line_cents // share_count
        + case when share_rank <= line_cents % share_count then 1 else 0 end as allocated_cents

    from cells

),

final as (

    select
        funding_line_id || ':' || qpv_code || ':' || funding_year::varchar as funding_id,
        funding_line_id,
        action_id,
        fiche_id,
        contract_code,
        funder_code,
        dispositif_code,
        financing_type,
        source_kind,
        beneficiary_key,
        qpv_code,
        funding_year,
        (allocated_cents / 100)::decimal(18, 2) as amount_eur,
        line_amount_eur,
        is_recurring,
        share_count

    from allocated

)

select * from final
{% endmacro %}
