{#- The whitespace-separated tokens of a text, as a list (empty list for null or blank text). -#}
{% macro cdv_split_tokens(expression) -%}
    list_filter(string_split_regex(trim(coalesce({{ expression }}, '')), '\s+'), lambda token: token <> '')
{%- endmacro %}

{#- The BOP tokens of an annex BOP list: a `BOP` word written before a code is not a token
    ("BOP 102 BOP 163" -> [102, 163]). -#}
{% macro cdv_bop_tokens(expression) -%}
    list_filter({{ cdv_split_tokens(expression) }}, lambda token: upper(token) <> 'BOP')
{%- endmacro %}
