{#- Generic test: every non-null value lies in [min_value, max_value] (amounts positive and bounded, rates 0..1). -#}
{% test cdv_between(model, column_name, min_value, max_value) %}

select {{ column_name }} as failing_value
from {{ model }}
where {{ column_name }} is not null
    and ({{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }})

{% endtest %}
