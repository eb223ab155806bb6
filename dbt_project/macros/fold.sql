{#- Folded matching key, the SQL twin of ingest.text.fold: accents, case and punctuation ignored
    ("CGET/ACSE" -> "cget acse", "Préfecture" -> "prefecture"). -#}
{% macro cdv_fold(expression) -%}
    trim(regexp_replace(lower(replace({{ cdv_strip_accents(expression) }}, '’', '''')), '[^a-z0-9%€]+', ' ', 'g'))
{%- endmacro %}
