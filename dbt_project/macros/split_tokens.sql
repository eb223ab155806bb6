{#- The whitespace-separated tokens of a text, as a list (empty list for null or blank text). -#}
{% macro cdv_split_tokens(expression) -%}
    {{ cdv_list_filter("regexp_split_to_array(trim(coalesce(" ~ expression ~ ", '')), '\\s+')", 'token', "token <> ''") }}
{%- endmacro %}

{#- The BOP tokens of an annex BOP list: a `BOP` (or `P.`, `Prog.`, `Programme`) word written before
    a code is not a token ("BOP 102 BOP 163" -> [102, 163]; "P. 104" -> [104]). -#}
{% macro cdv_bop_tokens(expression) -%}
    {{ cdv_list_filter(cdv_split_tokens(expression), 'token', 'not ' ~ cdv_is_bop_word('token')) }}
{%- endmacro %}

{#- Whether a token is only the word announcing a programme code (BOP, P., Prog., Programme). -#}
{% macro cdv_is_bop_word(token) -%}
    (upper({{ token }}) in ('BOP', 'BOPS', 'P', 'P.', 'PROG', 'PROG.', 'PROGRAMME', 'PROGRAMMES'))
{%- endmacro %}

{#- A programme code as written with its prefix glued ("P.104", "P104", "BOP104", "Prog.104") -> "104". -#}
{% macro cdv_bop_code(token) -%}
    regexp_replace({{ token }}, '^(?:BOP|P|PROG|PROGRAMME)\.?\s*([0-9]{3})$', '\1', 'i')
{%- endmacro %}
