/* grain: one row per objective row × source line merged into it (a row continued on the next line
   without its reference has two) */
with

objectives as (

    select * from {{ ref('stg_documents__annex_objectives') }}

),

unnested as (

    -- source_lines and the newline-separated source_text run in step: line i of the text is line
    -- source_lines[i] of the document.
    select
        objective_row_id,
        document_sha256,
        unnest(source_lines) as source_line,
        unnest(string_split(source_text, chr(10))) as line_text,
        generate_subscripts(source_lines, 1) as line_index

    from objectives

),

final as (

    select
        objective_row_id || ':L' || lpad(line_index::varchar, 2, '0') as objective_line_id,
        objective_row_id,
        document_sha256,
        line_index,
        source_line,
        line_text,
        -- Tab-separated columns of the annex: reference, objective, BOPs, services, partners...
        nullif(trim(split_part(line_text, chr(9), 3)), '') as bop_field,
        nullif(trim(split_part(line_text, chr(9), 4)), '') as service_field

    from unnested

)

select * from final
