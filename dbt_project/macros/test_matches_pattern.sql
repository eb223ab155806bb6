{#- Generic test: every non-null value matches a regular expression (dbt_expectations is not reachable here). -#}
{% test cdv_matches_pattern(model, column_name, pattern) %}

select {{ column_name }} as failing_value
from {{ model }}
where {{ column_name }} is not null
    and not {{ cdv_regexp_full_match(column_name ~ '::varchar', pattern) }}

{% endtest %}
