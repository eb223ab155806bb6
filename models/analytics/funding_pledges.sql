/* grain: one row per commitment without an amount (in kind, FTE, to be assessed, funder named only) */
with

pledges as (

    select * from {{ ref('stg_documents__funding_pledges') }}
    where {{ cdv_is_current_document() }}

),

documents as (

    select * from {{ ref('stg_documents__documents') }}

),

funders as (

    select * from {{ ref('int_funders') }}

),

final as (

    select
        documents.contract_code,
        pledges.document_file,
        pledges.fiche_code,
        pledges.sub_action,
        pledges.financing_type,
        pledges.pledge_kind,
        pledges.funder_code,
        coalesce(funders.funder_name, pledges.funder_name, pledges.funder_code) as funder_name,
        funders.funder_role,
        pledges.funder_rule,
        pledges.funder_source,
        pledges.dispositif_code as dispositif,
        pledges.fte,
        pledges.pledge_text,
        pledges.confidence,
        pledges.source_line,
        pledges.source_text,
        pledges.pledge_id

    from pledges
    left join documents
        on pledges.document_sha256 = documents.document_sha256
    left join funders
        on pledges.funder_code = funders.funder_code

)

select * from final
