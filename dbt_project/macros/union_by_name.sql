{#- The rows of several relations stacked by column name (DuckDB's `union all by name`, which
    PostgreSQL lacks): the columns of all, in the order of their first appearance; a relation without
    one gives null there. Columns are read from the built relations (at run time), so the relations
    are refs, not CTEs. -#}
{% macro cdv_union_by_name(relations) -%}
    {%- set names = [] -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- for relation in relations -%}
            {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
            {%- do present.append(columns) -%}
            {%- for name in columns if name not in names -%}
                {%- do names.append(name) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for relation in relations -%}
        {%- set columns = present[loop.index0] if execute else [] %}
    select
        {%- for name in names %}
        {% if name in columns %}{{ adapter.quote(name) }}{% else %}null{% endif %} as {{ adapter.quote(name) }}
        {%- if not loop.last %},{% endif -%}
        {%- endfor %}
        {%- if not names %} *{% endif %}
    from {{ relation }}
    {%- if not loop.last %}
    union all
    {%- endif -%}
    {%- endfor -%}
{%- endmacro %}
