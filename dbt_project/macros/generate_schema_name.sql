{#- Schemas are named by layer (raw, staging, intermediate, marts, analytics, reference),
    not prefixed with the target schema: analysts query analytics.funding_lines. A build on a
    PostgreSQL server writes into schemas of its own (CDV_SCHEMA_SUFFIX, e.g. marts__next), swapped in
    with the published ones when it has passed (ingest/postgres.py). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}{{ env_var('CDV_SCHEMA_SUFFIX', '') }}
    {%- endif -%}
{%- endmacro %}
