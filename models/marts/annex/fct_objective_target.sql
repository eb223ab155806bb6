/* grain: one row per annex objective row × item of its national target ("EA : 30 % CUI marchand :
   12 %" has two) */
with

objectives as (

    select * from {{ ref('int_annex_objectives_normalized') }}

),

target_texts as (

    -- The column header sometimes leaks into the cell ("Valeur cible nationale EA : 30 %...").
    select
        objective_row_id,
        national_target,
        trim(regexp_replace(national_target, '^\s*valeur\s+cible\s+nationale\s*:?\s*', '', 'i')) as target_text

    from objectives
    where nullif(trim(national_target), '') is not null

),

target_item_lists as (

    -- An item is an optional "label :" then a number (decimal comma) and an optional unit.
    select
        objective_row_id,
        national_target,
        {{ cdv_regexp_matches_all('target_text', '(?:[^:%0-9]+:\\s*)?[0-9]+(?:[.,][0-9]+)?\\s*%?') }} as target_items

    from target_texts

),

target_items as (

    select
        objective_row_id,
        national_target,
        trim(unnest(target_items)) as target_item_text,
        generate_subscripts(target_items, 1) as target_position

    from target_item_lists

),

parsed as (

    select
        objective_row_id,
        national_target,
        target_position,
        target_item_text,
        nullif(trim({{ cdv_regexp_group('target_item_text', '^([^:]*):', 1) }}), '') as target_label,
        replace(
            {{ cdv_regexp_group('target_item_text', '([0-9]+(?:[.,][0-9]+)?)\\s*%?$', 1) }}, ',', '.'
        )::decimal(18, 4) as target_value,
        case when target_item_text like '%\%%' escape '\' then '%' end as target_unit

    from target_items

),

final as (

    select
        parsed.objective_row_id || ':T' || lpad(parsed.target_position::varchar, 2, '0') as objective_target_id,
        parsed.objective_row_id,
        objectives.document_sha256,
        objectives.document_file,
        objectives.contract_code,
        objectives.objective_ref,
        objectives.objective_ref_normalized,
        objectives.indicator,
        parsed.target_position,
        parsed.target_label,
        parsed.target_value,
        parsed.target_unit,
        parsed.target_item_text,
        parsed.national_target,
        objectives.source_line

    from parsed
    inner join objectives
        on parsed.objective_row_id = objectives.objective_row_id

)

select * from final
