{#- For sqlfluff only (.sqlfluff; not in dbt's macro-paths): its templater has no `adapter`, so the
    dispatching macros of cross_database.sql and union_by_name.sql are replaced here by DuckDB's
    implementations (cross_database_implementations.sql, which sqlfluff loads). -#}

{% macro cdv_strip_accents(expression) -%}
    {{ default__cdv_strip_accents(expression) }}
{%- endmacro %}

{% macro cdv_regexp_full_match(expression, pattern) -%}
    {{ default__cdv_regexp_full_match(expression, pattern) }}
{%- endmacro %}

{% macro cdv_regexp_group(expression, pattern, group) -%}
    {{ default__cdv_regexp_group(expression, pattern, group) }}
{%- endmacro %}

{% macro cdv_regexp_matches_all(expression, pattern) -%}
    {{ default__cdv_regexp_matches_all(expression, pattern) }}
{%- endmacro %}

{% macro cdv_list_filter(list, name, predicate) -%}
    {{ default__cdv_list_filter(list, name, predicate) }}
{%- endmacro %}

{% macro cdv_list_transform(list, name, expression) -%}
    {{ default__cdv_list_transform(list, name, expression) }}
{%- endmacro %}

{% macro cdv_list_length(list) -%}
    {{ default__cdv_list_length(list) }}
{%- endmacro %}

{% macro cdv_series(first, last) -%}
    {{ default__cdv_series(first, last) }}
{%- endmacro %}

{% macro cdv_try_integer(expression) -%}
    {{ default__cdv_try_integer(expression) }}
{%- endmacro %}

{% macro cdv_integer_divide(dividend, divisor) -%}
    {{ default__cdv_integer_divide(dividend, divisor) }}
{%- endmacro %}

{% macro cdv_union_by_name(relations) -%}
    {%- for relation in relations %}
    select * from {{ relation }}
    {%- if not loop.last %}
    union all
    {%- endif -%}
    {%- endfor -%}
{%- endmacro %}
