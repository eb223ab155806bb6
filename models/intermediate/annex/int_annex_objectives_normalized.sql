/* grain: one row per objective row of an annexe objectifs / BOP document (continuation lines merged) */
with

objectives as (

    select * from {{ ref('stg_documents__annex_objectives') }}
    where {{ cdv_is_current_document() }}

),

documents as (

    select * from {{ ref('stg_documents__documents') }}

),

normalized as (

    -- The letter O is read as a zero in the numeric parts only: the objective number (`OO1` -> `001`)
    -- and the number after `AS` (axe stratégique). Words (`Atr_Jeunesse`) and the wildcard `*` stay.
    select
        objectives.*,
        array_to_string(
            {{ cdv_list_transform(
                "string_to_array(objectives.objective_ref, '_')",
                'ref_part',
                "case when " ~ cdv_regexp_full_match('ref_part', '[0-9Oo]*[0-9][0-9Oo]*')
                ~ " then regexp_replace(ref_part, '[Oo]', '0', 'g') when "
                ~ cdv_regexp_full_match('ref_part', 'AS[0-9Oo]*[0-9][0-9Oo]*')
                ~ " then 'AS' || regexp_replace(substr(ref_part, 3), '[Oo]', '0', 'g') else ref_part end"
            ) }},
            '_'
        ) as objective_ref_normalized,
        -- A numeric reference (2.3.1) has no letter prefix to compare with its pillar's.
        case
            when not {{ cdv_regexp_full_match('objectives.objective_ref', '[0-9]{1,2}([.-][0-9]{1,2}){1,3}') }}
                then split_part(objectives.objective_ref, '_', 1)
        end as ref_prefix

    from objectives

),

with_ref_axis as (

    select
        normalized.*,
        {{ cdv_try_integer(cdv_regexp_group('normalized.objective_ref_normalized', '_AS([0-9]+)(_|$)', 1)) }}
            as ref_axis_number

    from normalized

),

pillar_prefixes as (

    -- The prefix a pillar heading's references mostly use (PCOS under "Cohésion Sociale"): a reference
    -- with another prefix was written for another pillar.
    select
        document_sha256,
        pillar,
        ref_prefix as pillar_prefix,
        row_number() over (
            partition by document_sha256, pillar
            order by count(*) desc, min(row_index)
        ) as prefix_rank

    from with_ref_axis
    group by document_sha256, pillar, ref_prefix

),

dominant_prefixes as (

    select * from pillar_prefixes
    where prefix_rank = 1

),

duplicates as (

    select
        document_sha256,
        objective_ref_normalized,
        count(*) as duplicate_count,
        string_agg(source_line::varchar, ', ' order by source_line) as duplicate_lines

    from with_ref_axis
    group by document_sha256, objective_ref_normalized

),

final as (

    select
        with_ref_axis.objective_row_id,
        with_ref_axis.document_sha256,
        with_ref_axis.document_file,
        documents.contract_code,
        with_ref_axis.row_index,
        with_ref_axis.objective_ref,
        with_ref_axis.objective_ref_normalized,
        with_ref_axis.ref_prefix,
        with_ref_axis.ref_axis_number,
        with_ref_axis.pillar,
        dominant_prefixes.pillar_prefix,
        with_ref_axis.axis_number,
        with_ref_axis.axis_label,
        with_ref_axis.objective_label,
        with_ref_axis.bop_list,
        with_ref_axis.service_list,
        with_ref_axis.partner_collectivite,
        with_ref_axis.partner_signataire,
        with_ref_axis.indicator,
        with_ref_axis.national_target,
        strpos(with_ref_axis.objective_ref, '*') > 0 as is_wildcard,
        with_ref_axis.objective_ref <> with_ref_axis.objective_ref_normalized as has_letter_o,
        coalesce(with_ref_axis.ref_prefix <> dominant_prefixes.pillar_prefix, false)
            as pillar_contradicts_heading,
        coalesce(with_ref_axis.ref_axis_number <> with_ref_axis.axis_number, false)
            as axis_number_contradicts_heading,
        coalesce(with_ref_axis.ref_prefix <> dominant_prefixes.pillar_prefix, false)
        or coalesce(with_ref_axis.ref_axis_number <> with_ref_axis.axis_number, false)
            as axis_contradicts_heading,
        duplicates.duplicate_count > 1 as is_duplicate_ref,
        duplicates.duplicate_count,
        duplicates.duplicate_lines,
        with_ref_axis.source_line,
        with_ref_axis.source_lines,
        with_ref_axis.source_text,
        with_ref_axis.loaded_at

    from with_ref_axis
    left join documents
        on with_ref_axis.document_sha256 = documents.document_sha256
    left join dominant_prefixes
        on with_ref_axis.document_sha256 = dominant_prefixes.document_sha256
            and with_ref_axis.pillar = dominant_prefixes.pillar
    left join duplicates
        on with_ref_axis.document_sha256 = duplicates.document_sha256
            and with_ref_axis.objective_ref_normalized = duplicates.objective_ref_normalized

)

select * from final
