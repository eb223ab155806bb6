/* grain: one row per anomaly of an objectives / BOP annex × rule × source line (unioned by
   analytics.dq_issues with the ingest issues, hence the fixed column list) */
with

objectives as (

    select * from {{ ref('int_annex_objectives_normalized') }}

),

objective_lines as (

    select * from {{ ref('int_annex_objective_lines_split') }}

),

pairs as (

    select * from {{ ref('int_objective_bop_pairs') }}

),

prefix_pillars as (

    -- The pillar whose references mostly carry a given prefix (PCOS -> Cohésion Sociale).
    select distinct
        document_sha256,
        pillar_prefix,
        pillar

    from objectives
    where pillar_prefix is not null

),

duplicate_spellings as (

    select
        document_sha256,
        objective_ref_normalized,
        string_agg(
            'line ' || source_line || ' (' || objective_ref || ')', ', ' order by source_line
        ) as occurrences

    from objectives
    where is_duplicate_ref
    group by document_sha256, objective_ref_normalized

),

duplicate_refs as (

    select
        objectives.objective_row_id,
        objectives.source_line,
        'duplicate_objective_ref' as rule,
        'warning' as severity,
        'Objective reference ' || objectives.objective_ref_normalized
        || case
            when objectives.has_letter_o then ' (written ' || objectives.objective_ref || ' here)'
            else ''
        end
        || ' is used by ' || objectives.duplicate_count || ' objective rows of the document'
        || case
            when bool_or(objectives.has_letter_o) over same_ref
                then ' once the letter O is read as a zero'
            else ''
        end
        || ': ' || duplicate_spellings.occurrences
        || '. Each row is kept as its own objective.' as message

    from objectives
    inner join duplicate_spellings
        on objectives.document_sha256 = duplicate_spellings.document_sha256
            and objectives.objective_ref_normalized = duplicate_spellings.objective_ref_normalized
    where objectives.is_duplicate_ref
    window same_ref as (partition by objectives.document_sha256, objectives.objective_ref_normalized)

),

wildcard_refs as (

    select
        objective_row_id,
        source_line,
        'wildcard_objective_ref' as rule,
        'warning' as severity,
        'Objective reference ' || objective_ref
        || ' is a wildcard: "*" stands where the objective number should be, so the objective cannot be '
        || 'told apart from the other objectives of its axis. Kept as written.' as message

    from objectives
    where is_wildcard

),

axis_contradictions as (

    select
        objectives.objective_row_id,
        objectives.source_line,
        'axis_contradicts_heading' as rule,
        'warning' as severity,
        'Objective reference ' || objectives.objective_ref
        || case
            when objectives.pillar_contradicts_heading
                then ' has the prefix ' || objectives.ref_prefix
                    || coalesce(' of pillar "' || prefix_pillars.pillar || '"', '')
                    || ' but sits under pillar "' || objectives.pillar || '"'
                    || coalesce(', axis ' || objectives.axis_number || ' "' || objectives.axis_label || '"', '')
            else ' points to axis ' || objectives.ref_axis_number
                || ' but sits under the heading of axis ' || objectives.axis_number
                || ' "' || objectives.axis_label || '" of pillar "' || objectives.pillar || '"'
        end
        || case
            when objectives.pillar_contradicts_heading and objectives.axis_number_contradicts_heading
                then ' (and its axis number ' || objectives.ref_axis_number || ' differs too)'
            else ''
        end
        || '. The heading is taken as the objective''s pillar and axis.' as message

    from objectives
    left join prefix_pillars
        on objectives.document_sha256 = prefix_pillars.document_sha256
            and objectives.ref_prefix = prefix_pillars.pillar_prefix
    where objectives.axis_contradicts_heading

),

letter_o_refs as (

    select
        objective_row_id,
        source_line,
        'objective_ref_letter_o' as rule,
        'info' as severity,
        'Objective reference ' || objective_ref || ' is written with the letter O instead of zeros; read as '
        || objective_ref_normalized || '.' as message

    from objectives
    where has_letter_o

),

pair_counts as (

    select
        objective_row_id,
        objective_ref,
        objective_source_line,
        count(bop_code) filter (where pairing_method = 'positional') as positional_bop_count,
        count(service_name) filter (where pairing_method = 'positional') as positional_service_count,
        string_agg(service_as_written, ', ' order by service_position) filter (where is_extra_service)
            as extra_services,
        string_agg(bop_as_written, ', ' order by bop_position) filter (where is_extra_bop) as extra_bops,
        min(source_line) filter (where is_extra_service) as extra_service_line,
        min(source_line) filter (where is_extra_bop) as extra_bop_line,
        string_agg(service_as_written, ', ' order by service_position) filter (where has_own_programme)
            as own_programme_services,
        min(source_line) filter (where has_own_programme) as own_programme_line,
        string_agg(bop_as_written, ', ' order by bop_position) filter (where had_bop_prefix)
            as prefixed_bops,
        min(source_line) filter (where had_bop_prefix) as prefixed_bop_line,
        bool_or(objective_has_no_bop) as has_no_bop,
        bool_and(pairing_method = 'no_bop') as has_no_bop_nor_service

    from pairs
    group by objective_row_id, objective_ref, objective_source_line

),

longer_service_lists as (

    select
        objective_row_id,
        extra_service_line as source_line,
        'service_list_longer_than_bops' as rule,
        'warning' as severity,
        'Objective ' || objective_ref || ' lists ' || (positional_service_count) || ' managing services for '
        || positional_bop_count || ' BOP(s) (services written with their own programme set aside): '
        || extra_services || ' kept with no BOP.' as message

    from pair_counts
    where extra_services is not null

),

longer_bop_lists as (

    select
        objective_row_id,
        extra_bop_line as source_line,
        'bop_list_longer_than_services' as rule,
        'warning' as severity,
        'Objective ' || objective_ref || ' lists ' || positional_bop_count || ' BOP(s) for '
        || positional_service_count || ' managing service(s): BOP ' || extra_bops
        || ' kept with no managing service.' as message

    from pair_counts
    where extra_bops is not null

),

own_programme_services as (

    select
        objective_row_id,
        own_programme_line as source_line,
        'service_with_own_programme' as rule,
        'info' as severity,
        'Objective ' || objective_ref || ' names service(s) with their own programme (' || own_programme_services
        || '): each is paired with the programme it carries, not by position in the BOP list.' as message

    from pair_counts
    where own_programme_services is not null

),

prefixed_bops as (

    select
        objective_row_id,
        prefixed_bop_line as source_line,
        'bop_prefix_dropped' as rule,
        'info' as severity,
        'Objective ' || objective_ref || ' writes its programmes with a "BOP" prefix (' || prefixed_bops
        || '): read as the bare programme codes.' as message

    from pair_counts
    where prefixed_bops is not null

),

objectives_without_bop as (

    select
        objective_row_id,
        objective_source_line as source_line,
        'objective_without_bop' as rule,
        'info' as severity,
        'Objective ' || objective_ref || ' names no BOP'
        || case when has_no_bop_nor_service then ' and no managing service' else '' end
        || ': kept with an empty programme.' as message

    from pair_counts
    where has_no_bop

),

non_lolf_codes as (

    select
        objective_row_id,
        source_line,
        'non_lolf_bop_code' as rule,
        'warning' as severity,
        'Objective ' || min(objective_ref) || ' gives '
        || string_agg('"' || bop_code || '"', ', ' order by pair_position)
        || ' where a LOLF programme number is expected'
        || case
            when source_line <> min(objective_source_line)
                then ' (on line ' || source_line || ', the continuation of its row at line '
                    || min(objective_source_line) || ')'
            else ''
        end
        || ': kept as a non-LOLF code.' as message

    from pairs
    where not is_lolf_code
    group by objective_row_id, source_line

),

repeated_pairs as (

    select
        objective_row_id,
        source_line,
        'repeated_bop_service_pair' as rule,
        'warning' as severity,
        'Objective ' || min(objective_ref) || ' lists '
        || string_agg(
            'BOP ' || coalesce(bop_code, '(none)') || ' with ' || coalesce(service_as_written, 'no service'),
            ', ' order by pair_position
        )
        || ' a second time: kept once.' as message

    from pairs
    where is_repeated_pair
    group by objective_row_id, source_line

),

anomalies as (

    select * from duplicate_refs
    union all
    select * from repeated_pairs
    union all
    select * from wildcard_refs
    union all
    select * from axis_contradictions
    union all
    select * from letter_o_refs
    union all
    select * from longer_service_lists
    union all
    select * from longer_bop_lists
    union all
    select * from non_lolf_codes
    union all
    select * from own_programme_services
    union all
    select * from prefixed_bops
    union all
    select * from objectives_without_bop

),

final as (

    select
        objectives.document_sha256,
        objectives.document_file,
        anomalies.source_line,
        anomalies.rule,
        anomalies.severity,
        anomalies.message,
        coalesce(objective_lines.line_text, objectives.source_text) as source_text

    from anomalies
    inner join objectives
        on anomalies.objective_row_id = objectives.objective_row_id
    left join objective_lines
        on anomalies.objective_row_id = objective_lines.objective_row_id
            and anomalies.source_line = objective_lines.source_line

)

select * from final
