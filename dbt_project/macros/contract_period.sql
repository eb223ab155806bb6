{#- The period a funding line falls back to when neither its words nor its fiche's calendar give years.
    Contrats de ville of the 2015 generation (CVnnn) were signed for 2015-2020; their extensions to 2022
    and 2023 came later by law and are not part of what the 2015 documents planned. The 2024 generation
    (CNdddnnX) runs 2024-2030. -#}
{% macro cdv_contract_period_start(code) -%}
    case when {{ code }} like 'CV%' then 2015 when {{ code }} like 'CN%' then 2024 end
{%- endmacro %}

{% macro cdv_contract_period_end(code) -%}
    case when {{ code }} like 'CV%' then 2020 when {{ code }} like 'CN%' then 2030 end
{%- endmacro %}
