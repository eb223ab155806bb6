{#- The funder code of an amount no rule could give a funder (var unknown_funder_code), as a SQL literal. -#}
{% macro cdv_unknown_funder() -%}
    '{{ var("unknown_funder_code") }}'
{%- endmacro %}

{#- The QPV member of money that reaches no priority neighbourhood (var outside_qpv_code), as a SQL literal. -#}
{% macro cdv_outside_qpv() -%}
    '{{ var("outside_qpv_code") }}'
{%- endmacro %}
