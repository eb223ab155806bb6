{#- Where DuckDB's SQL and PostgreSQL's differ, one macro per construct, dispatched on the adapter
    (`adapter.dispatch`): the models stay one set of SQL files for both targets. `default__` is
    DuckDB's SQL (the embedded default), `postgres__` the server's. Each is written so that both
    give the same values (tests/test_postgres.py compares every published table). -#}

{#- Accents dropped: DuckDB's strip_accents; on PostgreSQL the text decomposed (NFD) and its
    combining marks removed (the database must be UTF-8). -#}
{% macro cdv_strip_accents(expression) -%}
    {{ return(adapter.dispatch('cdv_strip_accents', 'cdv')(expression)) }}
{%- endmacro %}
{#- Whether the whole text matches a regular expression (`pattern`: the expression's text, unquoted). -#}
{% macro cdv_regexp_full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('cdv_regexp_full_match', 'cdv')(expression, pattern)) }}
{%- endmacro %}
{#- The text of a capture group of the first match, null when the text does not match or the group is empty. -#}
{% macro cdv_regexp_group(expression, pattern, group) -%}
    {{ return(adapter.dispatch('cdv_regexp_group', 'cdv')(expression, pattern, group)) }}
{%- endmacro %}
{#- Every match of a regular expression in a text, as a list, in order (`pattern` without capture groups). -#}
{% macro cdv_regexp_matches_all(expression, pattern) -%}
    {{ return(adapter.dispatch('cdv_regexp_matches_all', 'cdv')(expression, pattern)) }}
{%- endmacro %}
{#- The elements of a list for which `predicate` holds (`name`: the element's name in it), in order. -#}
{% macro cdv_list_filter(list, name, predicate) -%}
    {{ return(adapter.dispatch('cdv_list_filter', 'cdv')(list, name, predicate)) }}
{%- endmacro %}
{#- A list with `expression` applied to each element (`name`: the element's name in it), in order. -#}
{% macro cdv_list_transform(list, name, expression) -%}
    {{ return(adapter.dispatch('cdv_list_transform', 'cdv')(list, name, expression)) }}
{%- endmacro %}
{#- The number of elements of a list (null for a null list). -#}
{% macro cdv_list_length(list) -%}
    {{ return(adapter.dispatch('cdv_list_length', 'cdv')(list)) }}
{%- endmacro %}
{#- One row per integer from `first` to `last`, both included (a set-returning expression of the select list). -#}
{% macro cdv_series(first, last) -%}
    {{ return(adapter.dispatch('cdv_series', 'cdv')(first, last)) }}
{%- endmacro %}
{#- A text as an integer, null when it is not one (or does not fit). -#}
{% macro cdv_try_integer(expression) -%}
    {{ return(adapter.dispatch('cdv_try_integer', 'cdv')(expression)) }}
{%- endmacro %}
{#- The integer quotient of two integers, truncated toward zero (DuckDB's `//`; PostgreSQL's `/`
    would keep a fraction when a sum made either side numeric). -#}
{% macro cdv_integer_divide(dividend, divisor) -%}
    {{ return(adapter.dispatch('cdv_integer_divide', 'cdv')(dividend, divisor)) }}
{%- endmacro %}
