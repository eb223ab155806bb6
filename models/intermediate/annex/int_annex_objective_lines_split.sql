/* grain: one row per objective row × source line merged into it (a row continued on the next line
   without its reference has two) */
with

objectives as (

    select * from {{ ref('stg_documents__annex_objectives') }}
    where {{ cdv_is_current_document() }}

),

unnested as (

    -- source_lines and the newline-separated source_text run in step: line i of the text is line
    -- source_lines[i] of the document.
    select
        objective_row_id,
        document_sha256,
        unnest(source_lines) as source_line,
        unnest(string_to_array(source_text, chr(10))) as line_text,
        -- The BOP and service cells of each line, as the parser read them by the header's layout.
        unnest(line_bop_fields) as bop_field,
        unnest(line_service_fields) as service_field,
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
        nullif(trim(bop_field), '') as bop_field,
        nullif(trim(service_field), '') as service_field

    from unnested

)

select * from final
