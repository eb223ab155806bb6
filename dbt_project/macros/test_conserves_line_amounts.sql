{#- Model test for fct_funding: allocation neither creates nor loses a cent, per funding line and per funder.
    Expected per line: its amount, times its number of years when it is recurring. -#}
{% test cdv_conserves_line_amounts(model) %}

with

expected_lines as (

    select
        funding_line_id,
        funder_code,
        amount_eur * case when is_recurring then year_count else 1 end as expected_eur

    from {{ ref('int_funding_lines_enriched') }}

),

allocated_lines as (

    select
        funding_line_id,
        sum(amount_eur) as allocated_eur

    from {{ model }}
    group by funding_line_id

),

per_line as (

    select
        'line' as level,
        expected_lines.funding_line_id as level_key,
        expected_lines.expected_eur,
        coalesce(allocated_lines.allocated_eur, 0) as allocated_eur

    from expected_lines
    left join allocated_lines
        on expected_lines.funding_line_id = allocated_lines.funding_line_id

),

per_funder as (

    select
        'funder' as level,
        expected.funder_code as level_key,
        expected.expected_eur,
        coalesce(allocated.allocated_eur, 0) as allocated_eur

    from (
        select funder_code, sum(expected_eur) as expected_eur
        from expected_lines
        group by funder_code
    ) as expected
    left join (
        select funder_code, sum(amount_eur) as allocated_eur
        from {{ model }}
        group by funder_code
    ) as allocated
        on expected.funder_code = allocated.funder_code

)

select * from per_line where expected_eur <> allocated_eur
union all
select * from per_funder where expected_eur <> allocated_eur

{% endtest %}
