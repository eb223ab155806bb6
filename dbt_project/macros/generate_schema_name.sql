{#- Schemas are named by layer (raw, staging, intermediate, marts, analytics, reference),
    not prefixed with the target schema: analysts query analytics.funding_lines. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
