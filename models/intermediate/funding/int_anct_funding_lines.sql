{{ config(materialized='view') }}

/* grain: one row per post of the ANCT open data (FONJEP, adultes-relais): State funding executed */
with

posts as (

    select * from {{ ref('stg_anct__posts') }}

),

dispositifs as (

    select * from {{ ref('stg_reference__dispositifs') }}

),

funders as (

    select * from {{ ref('int_reference_funders') }}

),

quarantined as (

    select row_id from {{ ref('int_anct_quarantine') }}
    where row_kind = 'anct_post'

),

kept as (

    -- A record repeated word for word in a file is published twice, not funded twice (it stays in
    -- staging and in analytics.dq_issues). A post a row-level check fails (a montant of 0 €, an
    -- unreadable annee...) is in analytics.quarantine, not among the funding lines.
    select * from posts
    where not is_repeated_record
        and not exists (
            select 1 from quarantined
            where quarantined.row_id = 'anct:' || posts.post_id
        )

),

final as (

    select
        'anct:' || kept.post_id as funding_line_id,
        null::varchar as cell_id,
        'ANCT:' || kept.dispositif_code as table_id,
        null::varchar as fiche_id,
        kept.contract_code,
        kept.document_sha256,
        kept.document_file,
        null::varchar as fiche_code,
        dispositifs.dispositif_label as action_title,
        null::varchar as sub_action,
        'credits_specifiques' as financing_type,
        null::varchar as column_header,
        dispositifs.usual_funder_code as funder_code,
        funders.funder_name,
        null::varchar as funder_name_before_2016,
        funders.funder_type,
        funders.funder_role,
        funders.territory_code as funder_territory_code,
        funders.parent_code as funder_parent_code,
        'ANCT open data: ' || dispositifs.dispositif_label as funder_text,
        'dataset' as funder_rule,
        'dataset' as funder_source,
        kept.dispositif_code,
        dispositifs.dispositif_label,
        dispositifs.programme_code as dispositif_programme_code,
        kept.amount_eur,
        kept.amount_text,
        null::decimal(18, 2) as gross_amount_eur,
        null::double precision as share_rate,
        null::decimal(18, 2) as rate_amount_eur,
        null::varchar as rate_unit,
        null::decimal(18, 2)[] as part_amounts_eur,
        null::varchar as detail,
        kept.funding_year as year_start,
        kept.funding_year as year_end,
        'dataset' as year_source,
        kept.year_text,
        false as is_open_ended,
        false as is_recurring,
        false as is_estimate,
        false as is_conditional,
        false as is_in_kind,
        -- A post works for its contract's neighbourhoods; the data names none of them.
        'qpv' as scope,
        null::double precision as fte,
        1.0 as confidence,
        null::varchar as clause_text,
        kept.source_line,
        kept.source_text,
        1 as year_count,
        'dataset' as source_kind,
        coalesce('SIRET:' || kept.siret, 'NOM:' || upper(trim(kept.beneficiary_name))) as beneficiary_key,
        kept.beneficiary_name,
        kept.siret as beneficiary_siret

    from kept
    left join dispositifs
        on kept.dispositif_code = dispositifs.dispositif_code
    left join funders
        on dispositifs.usual_funder_code = funders.funder_code

)

select * from final
