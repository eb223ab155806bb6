/* grain: one row per action: a fiche, a sub-action of a fiche (one of its funding tables), or an
   ANCT dispositif (its posts in the open data) */
with

fiches as (

    select * from {{ ref('stg_documents__fiches') }}
    where {{ cdv_is_current_document() }}

),

tables as (

    select * from {{ ref('stg_documents__funding_tables') }}
    where {{ cdv_is_current_document() }}

),

documents as (

    select * from {{ ref('stg_documents__documents') }}

),

fiche_actions as (

    select
        fiches.fiche_id as action_id,
        'fiche' as action_level,
        null as parent_action_id,
        fiches.fiche_id,
        documents.contract_code,
        fiches.document_file,
        fiches.fiche_code,
        fiches.fiche_title,
        null as sub_action,
        fiches.fiche_title as action_label,
        fiches.pillar,
        fiches.axis_code,
        fiches.axis_label,
        fiches.objective_code,
        fiches.objective_label,
        fiches.territoire as territory_text,
        fiches.calendrier as calendar_text,
        fiches.source_line

    from fiches
    left join documents
        on fiches.document_sha256 = documents.document_sha256

),

sub_actions as (

    select
        tables.table_id as action_id,
        'sub_action' as action_level,
        tables.fiche_id as parent_action_id,
        tables.fiche_id,
        documents.contract_code,
        tables.document_file,
        tables.fiche_code,
        fiches.fiche_title,
        tables.sub_action,
        coalesce(tables.sub_action, fiches.fiche_title) as action_label,
        fiches.pillar,
        fiches.axis_code,
        fiches.axis_label,
        fiches.objective_code,
        fiches.objective_label,
        fiches.territoire as territory_text,
        fiches.calendrier as calendar_text,
        tables.source_line

    from tables
    left join fiches
        on tables.fiche_id = fiches.fiche_id
    left join documents
        on tables.document_sha256 = documents.document_sha256

),

anct_dispositifs as (

    -- ANCT posts fund no fiche: each dispositif of the posts is an action of its own.
    select distinct
        'ANCT:' || dispositif_code as action_id,
        'dataset' as action_level,
        null as parent_action_id,
        null as fiche_id,
        null as contract_code,
        null as document_file,
        null as fiche_code,
        null as fiche_title,
        null as sub_action,
        action_title as action_label,
        null as pillar,
        null as axis_code,
        null as axis_label,
        null as objective_code,
        null as objective_label,
        null as territory_text,
        null as calendar_text,
        null::integer as source_line

    from {{ ref('int_anct_funding_lines') }}

),

final as (

    select * from fiche_actions
    union all
    select * from sub_actions
    union all
    select * from anct_dispositifs

)

select * from final
