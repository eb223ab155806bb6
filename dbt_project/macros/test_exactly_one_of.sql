{#- Generic model test: on every row, exactly one of the given columns is set (not null, not empty). -#}
{% test cdv_exactly_one_of(model, columns) %}

select *
from {{ model }}
where (
    {%- for column in columns %}
    case when nullif(trim(cast({{ column }} as varchar)), '') is not null then 1 else 0 end
    {%- if not loop.last %} +{% endif %}
    {%- endfor %}
) != 1

{% endtest %}
