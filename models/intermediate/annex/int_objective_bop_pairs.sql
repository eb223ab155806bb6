/* grain: one row per annex objective row × position in its BOP / service pairing (an objective
   without any BOP or service still has one row) */
with

objectives as (

    select * from {{ ref('int_annex_objectives_normalized') }}

),

objective_lines as (

    select * from {{ ref('int_annex_objective_lines_split') }}

),

service_aliases as (

    select * from {{ ref('stg_reference__state_service_aliases') }}

),

lolf_programmes as (

    select * from {{ ref('stg_reference__lolf_programmes') }}

),

token_lists as (

    -- A service written with its programme may have a space before the bracket: glue it back.
    select
        objective_row_id,
        {{ cdv_split_tokens('bop_list') }} as raw_bop_tokens,
        {{ cdv_split_tokens("regexp_replace(service_list, '\\s+\\(', '(', 'g')") }} as service_tokens

    from objectives

),

raw_bop_tokens as (

    select
        objective_row_id,
        unnest(raw_bop_tokens) as raw_token,
        generate_subscripts(raw_bop_tokens, 1) as raw_position

    from token_lists

),

raw_bop_tokens_with_previous as (

    select
        objective_row_id,
        raw_token,
        raw_position,
        lag(raw_token) over (partition by objective_row_id order by raw_position) as previous_token

    from raw_bop_tokens

),

bop_tokens as (

    -- "BOP 102" is read as 102: the BOP word is dropped and remembered on the code that follows;
    -- "P.104" is read as 104 (the prefix glued to the code).
    select
        objective_row_id,
        row_number() over (partition by objective_row_id order by raw_position) as bop_position,
        case
            when {{ cdv_is_bop_word("coalesce(previous_token, '')") }} then previous_token || ' ' || raw_token
            else raw_token
        end as bop_as_written,
        {{ cdv_bop_code('raw_token') }} as bop_code,
        {{ cdv_is_bop_word("coalesce(previous_token, '')") }} or {{ cdv_bop_code('raw_token') }} <> raw_token
            as had_bop_prefix

    from raw_bop_tokens_with_previous
    where not {{ cdv_is_bop_word('raw_token') }}

),

service_tokens as (

    select
        objective_row_id,
        unnest(service_tokens) as service_as_written,
        generate_subscripts(service_tokens, 1) as service_position

    from token_lists

),

services_parsed as (

    -- `Gendarmerie(152)`: a service that carries its own programme.
    select
        objective_row_id,
        service_position,
        service_as_written,
        coalesce(
            {{ cdv_regexp_group('service_as_written', '^(.+?)\\(\\s*([0-9]{3})\\s*\\)$', 1) }},
            service_as_written
        ) as service_name,
        {{ cdv_regexp_group('service_as_written', '^(.+?)\\(\\s*([0-9]{3})\\s*\\)$', 2) }} as own_programme_code

    from service_tokens

),

ranked_service_matches as (

    -- Exact spelling first, then the folded key for aliases that are not case-sensitive.
    select
        services_parsed.objective_row_id,
        services_parsed.service_position,
        service_aliases.service_code,
        row_number() over (
            partition by services_parsed.objective_row_id, services_parsed.service_position
            order by (services_parsed.service_name = service_aliases.alias) desc nulls last, service_aliases.alias asc
        ) as match_rank

    from services_parsed
    inner join service_aliases
        on services_parsed.service_name = service_aliases.alias
            or (
                not service_aliases.case_sensitive
                and {{ cdv_fold('services_parsed.service_name') }} = service_aliases.alias_key
            )

),

service_matches as (

    select
        objective_row_id,
        service_position,
        service_code

    from ranked_service_matches
    where match_rank = 1

),

services_resolved as (

    select
        services_parsed.*,
        service_matches.service_code

    from services_parsed
    left join service_matches
        on services_parsed.objective_row_id = service_matches.objective_row_id
            and services_parsed.service_position = service_matches.service_position

),

positional_services as (

    select
        *,
        row_number() over (partition by objective_row_id order by service_position) as positional_index

    from services_resolved
    where own_programme_code is null

),

own_programme_services as (

    select
        *,
        row_number() over (partition by objective_row_id order by service_position) as own_index

    from services_resolved
    where own_programme_code is not null

),

line_token_counts as (

    -- How many BOP and service tokens each source line of a merged row holds, to tell which line a
    -- token comes from (`CNDS 163` of PCOS_AS5_001 is on its continuation line).
    select
        objective_row_id,
        line_index,
        source_line,
        {{ cdv_list_length(cdv_bop_tokens('bop_field')) }} as bop_count,
        {{ cdv_list_length(cdv_split_tokens("regexp_replace(service_field, '\\s+\\(', '(', 'g')")) }} as service_count

    from objective_lines

),

line_token_ranges as (

    select
        objective_row_id,
        source_line,
        sum(bop_count) over row_lines - bop_count + 1 as first_bop_position,
        sum(bop_count) over row_lines as last_bop_position,
        sum(service_count) over row_lines - service_count + 1 as first_service_position,
        sum(service_count) over row_lines as last_service_position,
        sum(bop_count) over (partition by objective_row_id) as row_bop_count,
        sum(service_count) over (partition by objective_row_id) as row_service_count

    from line_token_counts
    window row_lines as (
        partition by objective_row_id order by line_index rows between unbounded preceding and current row
    )

),

positional_counts as (

    select
        token_lists.objective_row_id,
        {{ cdv_list_length(cdv_bop_tokens('objectives.bop_list')) }} as bop_count,
        {{ cdv_list_length(cdv_list_filter(
            'token_lists.service_tokens',
            'service_token',
            'not ' ~ cdv_regexp_full_match('service_token', '.+\\(\\s*[0-9]{3}\\s*\\)')
        )) }} as positional_service_count,
        {{ cdv_list_length('token_lists.service_tokens') }} as service_count

    from token_lists
    inner join objectives
        on token_lists.objective_row_id = objectives.objective_row_id

),

positional_pairs as (

    select
        coalesce(bop_tokens.objective_row_id, positional_services.objective_row_id) as objective_row_id,
        coalesce(bop_tokens.bop_position, positional_services.positional_index) as pair_position,
        'positional' as pairing_method,
        bop_tokens.bop_position,
        bop_tokens.bop_as_written,
        bop_tokens.bop_code,
        coalesce(bop_tokens.had_bop_prefix, false) as had_bop_prefix,
        positional_services.service_position,
        positional_services.service_as_written,
        positional_services.service_name,
        positional_services.service_code,
        false as has_own_programme,
        bop_tokens.objective_row_id is null as is_extra_service,
        positional_services.objective_row_id is null as is_extra_bop

    from bop_tokens
    full outer join positional_services
        on bop_tokens.objective_row_id = positional_services.objective_row_id
            and bop_tokens.bop_position = positional_services.positional_index

),

own_programme_pairs as (

    -- Not paired by position: the service names its programme itself.
    select
        own_programme_services.objective_row_id,
        greatest(positional_counts.bop_count, positional_counts.positional_service_count)
        + own_programme_services.own_index as pair_position,
        'service_own_programme' as pairing_method,
        null::bigint as bop_position,
        own_programme_services.service_as_written as bop_as_written,
        own_programme_services.own_programme_code as bop_code,
        false as had_bop_prefix,
        own_programme_services.service_position,
        own_programme_services.service_as_written,
        own_programme_services.service_name,
        own_programme_services.service_code,
        true as has_own_programme,
        false as is_extra_service,
        false as is_extra_bop

    from own_programme_services
    inner join positional_counts
        on own_programme_services.objective_row_id = positional_counts.objective_row_id

),

no_bop_pairs as (

    -- An objective with neither BOP nor service keeps one row, so no objective is lost.
    select
        objective_row_id,
        1::bigint as pair_position,
        'no_bop' as pairing_method,
        null::bigint as bop_position,
        null::varchar as bop_as_written,
        null::varchar as bop_code,
        false as had_bop_prefix,
        null::bigint as service_position,
        null::varchar as service_as_written,
        null::varchar as service_name,
        null::varchar as service_code,
        false as has_own_programme,
        false as is_extra_service,
        false as is_extra_bop

    from positional_counts
    where bop_count = 0 and service_count = 0

),

pairs as (

    select * from positional_pairs
    union all
    select * from own_programme_pairs
    union all
    select * from no_bop_pairs

),

final as (

    select
        pairs.objective_row_id || ':P' || lpad(pairs.pair_position::varchar, 2, '0') as objective_bop_pair_id,
        pairs.objective_row_id,
        objectives.document_sha256,
        objectives.document_file,
        objectives.contract_code,
        objectives.objective_ref,
        objectives.objective_ref_normalized,
        pairs.pair_position,
        pairs.pairing_method,
        pairs.bop_position,
        pairs.bop_as_written,
        pairs.bop_code,
        case
            when pairs.bop_code is not null
                then exists (
                        select 1 from lolf_programmes
                        where lolf_programmes.programme_code = pairs.bop_code
                    )
        end as is_lolf_code,
        pairs.had_bop_prefix,
        pairs.service_position,
        pairs.service_as_written,
        pairs.service_name,
        pairs.service_code,
        pairs.has_own_programme,
        pairs.is_extra_service,
        pairs.is_extra_bop,
        count(pairs.bop_code) over (partition by pairs.objective_row_id) = 0 as objective_has_no_bop,
        -- The same BOP and service written twice for one objective (a continuation line repeating its
        -- row's pair): the second and later are kept here, flagged, and left out of the facts.
        row_number() over (
            partition by pairs.objective_row_id, pairs.bop_code, pairs.service_as_written
            order by pairs.pair_position
        ) > 1 as is_repeated_pair,
        coalesce(bop_lines.source_line, service_lines.source_line, objectives.source_line) as source_line,
        objectives.source_line as objective_source_line

    from pairs
    inner join objectives
        on pairs.objective_row_id = objectives.objective_row_id
    inner join positional_counts
        on pairs.objective_row_id = positional_counts.objective_row_id
    -- The line of a token is only trusted when the lines hold as many tokens as the merged lists.
    left join line_token_ranges as bop_lines
        on pairs.objective_row_id = bop_lines.objective_row_id
            and pairs.bop_position between bop_lines.first_bop_position and bop_lines.last_bop_position
            and positional_counts.bop_count = bop_lines.row_bop_count
    left join line_token_ranges as service_lines
        on pairs.objective_row_id = service_lines.objective_row_id
            and pairs.service_position between service_lines.first_service_position
            and service_lines.last_service_position
            and positional_counts.service_count = service_lines.row_service_count

)

select * from final
