{#- The period a funding line falls back to when neither its words nor its fiche's calendar give years.
    Contrats de ville of the 2015 generation (CVnnn) were signed for 2015-2020; their extensions to 2022
    and 2023 came later by law and are not part of what the 2015 documents planned. The 2024 generation
    (CNdddnnX) runs 2024-2030. -#}
{#- A document whose contract could not be recognised (an unknown_contract issue says so) is taken
    as a 2015-generation contract: the programme documents read here are of that generation. -#}
{% macro cdv_contract_period_start(code) -%}
    case when {{ code }} like 'CN%' then 2024 else 2015 end
{%- endmacro %}

{% macro cdv_contract_period_end(code) -%}
    case when {{ code }} like 'CN%' then 2030 else 2020 end
{%- endmacro %}
