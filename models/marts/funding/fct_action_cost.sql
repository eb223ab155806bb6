/* grain: one row per cost figure of a fiche (its total, items and rates), with its year when given */
with

costs as (

    select * from {{ ref('stg_documents__action_costs') }}
    where {{ cdv_is_current_document() }}
        -- A cost no plausible amount of euros is in analytics.quarantine, not here.
        and cost_id not in (
            select quarantine.row_id from {{ ref('int_quarantine') }} as quarantine
            where quarantine.row_kind = 'action_cost'
        )

),

documents as (

    select * from {{ ref('stg_documents__documents') }}

),

final as (

    select
        costs.cost_id,
        costs.fiche_id as action_id,
        documents.contract_code,
        costs.fiche_code,
        costs.cost_kind,
        costs.cost_label,
        costs.amount_eur,
        costs.cost_year,
        costs.is_recurring,
        costs.is_estimate,
        costs.source_field,
        costs.source_line,
        costs.source_text

    from costs
    left join documents
        on costs.document_sha256 = documents.document_sha256

)

select * from final
