{#- The period a funding line falls back to when neither its words nor its fiche's calendar give years:
    its contract's generation's (ref_contract_generations, found by the code's prefix). Contrats de
    ville of the 2015 generation (CVnnn) were signed for 2015-2020; their extensions to 2022 and 2023
    came later by law and are not part of what the 2015 documents planned (planned_period_end). -#}
{#- A document whose contract could not be recognised (an unknown_contract issue says so) is taken
    as of the default generation (is_default): the 2015 one, whose documents are those read here. -#}
{% macro cdv_contract_period_start(code) -%}
    {{ _cdv_generation_year(code, 'period_start') }}
{%- endmacro %}

{% macro cdv_contract_period_end(code) -%}
    {{ _cdv_generation_year(code, 'planned_period_end') }}
{%- endmacro %}

{% macro _cdv_generation_year(code, column) -%}
    coalesce(
        (
            select generations.{{ column }} from {{ ref('stg_reference__contract_generations') }} as generations
            where {{ code }} like generations.code_prefix || '%'
        ),
        (
            select generations.{{ column }} from {{ ref('stg_reference__contract_generations') }} as generations
            where generations.is_default
        )
    )
{%- endmacro %}
