{#- Where DuckDB's SQL and PostgreSQL's differ, one macro per construct, dispatched on the adapter
    (`adapter.dispatch`): the models stay one set of SQL files for both targets. `default__` is
    DuckDB's SQL (the embedded default), `postgres__` the server's. Each is written so that both
    give the same values (tests/test_postgres.py compares every published table). -#}

{#- Accents dropped: DuckDB's strip_accents; on PostgreSQL the text decomposed (NFD) and its
    combining marks removed (the database must be UTF-8). -#}
{% macro cdv_strip_accents(expression) -%}
    {{ return(adapter.dispatch('cdv_strip_accents', 'cdv')(expression)) }}
{%- endmacro %}
{% macro default__cdv_strip_accents(expression) -%}
    strip_accents({{ expression }})
{%- endmacro %}
{% macro postgres__cdv_strip_accents(expression) -%}
    regexp_replace(normalize({{ expression }}, nfd), '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]', '', 'g')
{%- endmacro %}

{#- Whether the whole text matches a regular expression (`pattern`: the expression's text, unquoted). -#}
{% macro cdv_regexp_full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('cdv_regexp_full_match', 'cdv')(expression, pattern)) }}
{%- endmacro %}
{% macro default__cdv_regexp_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}
{% macro postgres__cdv_regexp_full_match(expression, pattern) -%}
    ({{ expression }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{#- The text of a capture group of the first match, null when the text does not match or the group is empty. -#}
{% macro cdv_regexp_group(expression, pattern, group) -%}
    {{ return(adapter.dispatch('cdv_regexp_group', 'cdv')(expression, pattern, group)) }}
{%- endmacro %}
{% macro default__cdv_regexp_group(expression, pattern, group) -%}
    nullif(regexp_extract({{ expression }}, '{{ pattern }}', {{ group }}), '')
{%- endmacro %}
{% macro postgres__cdv_regexp_group(expression, pattern, group) -%}
    nullif((regexp_match({{ expression }}, '{{ pattern }}'))[{{ group }}], '')
{%- endmacro %}

{#- Every match of a regular expression in a text, as a list, in order (`pattern` without capture groups). -#}
{% macro cdv_regexp_matches_all(expression, pattern) -%}
    {{ return(adapter.dispatch('cdv_regexp_matches_all', 'cdv')(expression, pattern)) }}
{%- endmacro %}
{% macro default__cdv_regexp_matches_all(expression, pattern) -%}
    regexp_extract_all({{ expression }}, '{{ pattern }}')
{%- endmacro %}
{% macro postgres__cdv_regexp_matches_all(expression, pattern) -%}
    array(select found.match[1] from regexp_matches({{ expression }}, '({{ pattern }})', 'g') with ordinality as found (match, position) order by found.position)
{%- endmacro %}

{#- The elements of a list for which `predicate` holds (`name`: the element's name in it), in order. -#}
{% macro cdv_list_filter(list, name, predicate) -%}
    {{ return(adapter.dispatch('cdv_list_filter', 'cdv')(list, name, predicate)) }}
{%- endmacro %}
{% macro default__cdv_list_filter(list, name, predicate) -%}
    list_filter({{ list }}, lambda {{ name }}: {{ predicate }})
{%- endmacro %}
{% macro postgres__cdv_list_filter(list, name, predicate) -%}
    array(select elements.{{ name }} from unnest({{ list }}) with ordinality as elements ({{ name }}, position) where {{ predicate }} order by elements.position)
{%- endmacro %}

{#- A list with `expression` applied to each element (`name`: the element's name in it), in order. -#}
{% macro cdv_list_transform(list, name, expression) -%}
    {{ return(adapter.dispatch('cdv_list_transform', 'cdv')(list, name, expression)) }}
{%- endmacro %}
{% macro default__cdv_list_transform(list, name, expression) -%}
    list_transform({{ list }}, lambda {{ name }}: {{ expression }})
{%- endmacro %}
{% macro postgres__cdv_list_transform(list, name, expression) -%}
    array(select {{ expression }} from unnest({{ list }}) with ordinality as elements ({{ name }}, position) order by elements.position)
{%- endmacro %}

{#- The number of elements of a list (null for a null list). -#}
{% macro cdv_list_length(list) -%}
    {{ return(adapter.dispatch('cdv_list_length', 'cdv')(list)) }}
{%- endmacro %}
{% macro default__cdv_list_length(list) -%}
    len({{ list }})
{%- endmacro %}
{% macro postgres__cdv_list_length(list) -%}
    cardinality({{ list }})
{%- endmacro %}

{#- One row per integer from `first` to `last`, both included (a set-returning expression of the select list). -#}
{% macro cdv_series(first, last) -%}
    {{ return(adapter.dispatch('cdv_series', 'cdv')(first, last)) }}
{%- endmacro %}
{% macro default__cdv_series(first, last) -%}
    unnest(generate_series({{ first }}, {{ last }}))
{%- endmacro %}
{% macro postgres__cdv_series(first, last) -%}
    generate_series({{ first }}, {{ last }})
{%- endmacro %}

{#- A text as an integer, null when it is not one (or does not fit). -#}
{% macro cdv_try_integer(expression) -%}
    {{ return(adapter.dispatch('cdv_try_integer', 'cdv')(expression)) }}
{%- endmacro %}
{% macro default__cdv_try_integer(expression) -%}
    try_cast({{ expression }} as integer)
{%- endmacro %}
{% macro postgres__cdv_try_integer(expression) -%}
    case when {{ expression }} ~ '^\s*[+-]?[0-9]{1,9}\s*$' then cast({{ expression }} as integer) end
{%- endmacro %}

{#- The integer quotient of two integers, truncated toward zero (DuckDB's `//`; PostgreSQL's `/`
    would keep a fraction when a sum made either side numeric). -#}
{% macro cdv_integer_divide(dividend, divisor) -%}
    {{ return(adapter.dispatch('cdv_integer_divide', 'cdv')(dividend, divisor)) }}
{%- endmacro %}
{% macro default__cdv_integer_divide(dividend, divisor) -%}
    ({{ dividend }} // {{ divisor }})
{%- endmacro %}
{% macro postgres__cdv_integer_divide(dividend, divisor) -%}
    cast(div({{ dividend }}, {{ divisor }}) as bigint)
{%- endmacro %}
