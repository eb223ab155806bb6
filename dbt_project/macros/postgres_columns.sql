{#- dbt-postgres reads a column's type from information_schema.columns, where every array is `ARRAY`:
    a unit test given rows for a relation with a list column (raw.documents.contract_qpvs,
    raw.funding_lines.part_amounts_eur...) then casts to `ARRAY` and fails. The same query, an array's
    element type named (`text[]`, `numeric(18,2)[]`) by format_type. -#}
{% macro postgres__get_columns_in_relation(relation) -%}
    {% call statement('get_columns_in_relation', fetch_result=True) %}
        select
            columns.column_name,
            case
                when columns.data_type = 'ARRAY' then format_type(attributes.atttypid, attributes.atttypmod)
                else columns.data_type
            end as data_type,
            columns.character_maximum_length,
            columns.numeric_precision,
            columns.numeric_scale

        from {{ relation.information_schema('columns') }} as columns
        left join pg_catalog.pg_namespace as namespaces
            on columns.table_schema = namespaces.nspname
        left join pg_catalog.pg_class as classes
            on namespaces.oid = classes.relnamespace and columns.table_name = classes.relname
        left join pg_catalog.pg_attribute as attributes
            on classes.oid = attributes.attrelid and columns.column_name = attributes.attname
        where columns.table_name = '{{ relation.identifier }}'
            {% if relation.schema %}
            and columns.table_schema = '{{ relation.schema }}'
            {% endif %}
        order by columns.ordinal_position
    {% endcall %}
    {% set table = load_result('get_columns_in_relation').table %}
    {{ return(sql_convert_columns_in_relation(table)) }}
{%- endmacro %}
