{#
    The allocation of funding lines to the star schema's grain, funding line × QPV × year: the
    body of the funding fact, applied to the planned (document) and executed (ANCT) lines apart,
    so that a rebuild after a changed document does not allocate the 400,000 ANCT posts again.

    lines: relation of funding lines (int_funding_lines_enriched's columns); line_qpvs: relation of
    their QPVs (int_funding_line_qpvs's columns, with part_cents: the "of which" part the text gives
    that QPV, null for the others).

    A line without parts is split evenly in cents over its QPV × year cells (a line given per year:
    over its QPVs, every year), the remainder cents one each to the first cells in (year, QPV) order.
    A line with parts ("<amount> (dont <part> pour <QPV>)") first gives each named
    QPV its part and shares the rest evenly among its other QPVs (among all of them when every QPV
    has a part), then splits each QPV's amount over the years the same way. Every line sums back to
    its amount exactly (per year for a line given per year).
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
        {{ cdv_series('year_start', 'year_end') }} as funding_year

    from lines

),

line_parts as (

    -- The lines whose parts fit in them (a part larger than its line is reported at ingest, and ignored).
    select
        line_qpvs.funding_line_id,
        sum(line_qpvs.part_cents) as parts_cents,
        count(*) filter (where line_qpvs.part_cents is null) as rest_count,
        count(*) as qpv_count

    from line_qpvs
    inner join lines
        on line_qpvs.funding_line_id = lines.funding_line_id
    group by line_qpvs.funding_line_id, lines.amount_eur
    having sum(line_qpvs.part_cents) is not null
        and sum(line_qpvs.part_cents) <= (lines.amount_eur * 100)::bigint

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
    where lines.funding_line_id not in (select line_parts.funding_line_id from line_parts)
    window share_group as (
        partition by lines.funding_line_id, case when lines.is_recurring then line_years.funding_year end
    )

),

evenly_allocated as (

    select
        *,
        -- Even split in cents; the remainder cents go one each to the first cells in
        -- (year, QPV code) order, so the split is deterministic and sums back exactly.
        {{ cdv_integer_divide('line_cents', 'share_count') }}
        + case when share_rank <= line_cents % share_count then 1 else 0 end as allocated_cents

    from cells

),

parted_qpvs as (

    -- Lines with parts, per QPV: its part, or its share of the rest.
    select
        line_qpvs.funding_line_id,
        line_qpvs.qpv_code,
        line_qpvs.part_cents,
        line_parts.parts_cents,
        line_parts.rest_count,
        line_parts.qpv_count,
        (lines.amount_eur * 100)::bigint - line_parts.parts_cents as rest_cents,
        row_number() over (
            partition by line_qpvs.funding_line_id, line_qpvs.part_cents is null order by line_qpvs.qpv_code
        ) as rest_rank,
        row_number() over (partition by line_qpvs.funding_line_id order by line_qpvs.qpv_code) as qpv_rank

    from line_qpvs
    inner join line_parts
        on line_qpvs.funding_line_id = line_parts.funding_line_id
    inner join lines
        on line_qpvs.funding_line_id = lines.funding_line_id

),

parted_qpv_cents as (

    select
        funding_line_id,
        qpv_code,
        case
            when rest_count = 0
                then part_cents + {{ cdv_integer_divide('rest_cents', 'qpv_count') }} + case when qpv_rank <= rest_cents % qpv_count then 1 else 0 end
            when part_cents is not null then part_cents
            else {{ cdv_integer_divide('rest_cents', 'rest_count') }} + case when rest_rank <= rest_cents % rest_count then 1 else 0 end
        end as qpv_cents

    from parted_qpvs

),

parted_cells as (

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
        parted_qpv_cents.qpv_code,
        line_years.funding_year,
        lines.amount_eur as line_amount_eur,
        lines.is_recurring,
        lines.year_count,
        parted_qpv_cents.qpv_cents,
        count(*) over qpv_years as year_share_count,
        row_number() over (qpv_years order by line_years.funding_year) as year_rank

    from lines
    inner join parted_qpv_cents
        on lines.funding_line_id = parted_qpv_cents.funding_line_id
    inner join line_years
        on lines.funding_line_id = line_years.funding_line_id
    window qpv_years as (partition by lines.funding_line_id, parted_qpv_cents.qpv_code)

),

parted_allocated as (

    select
        *,
        case
            when is_recurring then qpv_cents
            else {{ cdv_integer_divide('qpv_cents', 'year_share_count') }} + case when year_rank <= qpv_cents % year_share_count then 1 else 0 end
        end as allocated_cents,
        case when is_recurring then 1 else year_share_count end as share_count

    from parted_cells

),

allocated as (

    select
        funding_line_id, action_id, fiche_id, contract_code, funder_code, dispositif_code, financing_type,
        source_kind, beneficiary_key, qpv_code, funding_year, line_amount_eur, is_recurring, share_count,
        allocated_cents

    from evenly_allocated

    union all

    select
        funding_line_id, action_id, fiche_id, contract_code, funder_code, dispositif_code, financing_type,
        source_kind, beneficiary_key, qpv_code, funding_year, line_amount_eur, is_recurring, share_count,
        allocated_cents

    from parted_allocated

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
        cast(cast(allocated_cents as decimal(18, 2)) / 100 as decimal(18, 2)) as amount_eur,
        line_amount_eur,
        is_recurring,
        share_count

    from allocated

)

select * from final
{% endmacro %}
