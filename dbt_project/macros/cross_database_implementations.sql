{#- The two implementations of each macro of cross_database.sql: `default__` is DuckDB's SQL (the
    embedded default), `postgres__` the server's; written so that both give the same values. -#}

{% macro default__cdv_strip_accents(expression) -%}
    strip_accents({{ expression }})
{%- endmacro %}
{% macro postgres__cdv_strip_accents(expression) -%}
    regexp_replace(normalize({{ expression }}, nfd), '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]', '', 'g')
{%- endmacro %}

{% macro default__cdv_regexp_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}
{% macro postgres__cdv_regexp_full_match(expression, pattern) -%}
    ({{ expression }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro default__cdv_regexp_group(expression, pattern, group) -%}
    nullif(regexp_extract({{ expression }}, '{{ pattern }}', {{ group }}), '')
{%- endmacro %}
{% macro postgres__cdv_regexp_group(expression, pattern, group) -%}
    nullif((regexp_match({{ expression }}, '{{ pattern }}'))[{{ group }}], '')
{%- endmacro %}

{% macro default__cdv_regexp_matches_all(expression, pattern) -%}
    regexp_extract_all({{ expression }}, '{{ pattern }}')
{%- endmacro %}
{% macro postgres__cdv_regexp_matches_all(expression, pattern) -%}
    array(select found.match[1] from regexp_matches({{ expression }}, '({{ pattern }})', 'g') with ordinality as found (match, position) order by found.position)
{%- endmacro %}

{% macro default__cdv_list_filter(list, name, predicate) -%}
    list_filter({{ list }}, lambda {{ name }}: {{ predicate }})
{%- endmacro %}
{% macro postgres__cdv_list_filter(list, name, predicate) -%}
    array(select elements.{{ name }} from unnest({{ list }}) with ordinality as elements ({{ name }}, position) where {{ predicate }} order by elements.position)
{%- endmacro %}

{% macro default__cdv_list_transform(list, name, expression) -%}
    list_transform({{ list }}, lambda {{ name }}: {{ expression }})
{%- endmacro %}
{% macro postgres__cdv_list_transform(list, name, expression) -%}
    array(select {{ expression }} from unnest({{ list }}) with ordinality as elements ({{ name }}, position) order by elements.position)
{%- endmacro %}

{% macro default__cdv_list_length(list) -%}
    len({{ list }})
{%- endmacro %}
{% macro postgres__cdv_list_length(list) -%}
    cardinality({{ list }})
{%- endmacro %}

{% macro default__cdv_series(first, last) -%}
    unnest(generate_series({{ first }}, {{ last }}))
{%- endmacro %}
{% macro postgres__cdv_series(first, last) -%}
    generate_series({{ first }}, {{ last }})
{%- endmacro %}

{% macro default__cdv_try_integer(expression) -%}
    try_cast({{ expression }} as integer)
{%- endmacro %}
{% macro postgres__cdv_try_integer(expression) -%}
    case when {{ expression }} ~ '^\s*[+-]?[0-9]{1,9}\s*$' then cast({{ expression }} as integer) end
{%- endmacro %}

{% macro default__cdv_integer_divide(dividend, divisor) -%}
    ({{ dividend }} // {{ divisor }})
{%- endmacro %}
{% macro postgres__cdv_integer_divide(dividend, divisor) -%}
    cast(div({{ dividend }}, {{ divisor }}) as bigint)
{%- endmacro %}
