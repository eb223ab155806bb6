/* grain: one row per funding line read from a current contract document (a cell of a funding table),
   before the row-level checks: int_quarantine reads it, int_document_funding_lines keeps the lines
   no check quarantined */
with

lines as (

    select * from {{ ref('stg_documents__funding_lines') }}
    where {{ cdv_is_current_document() }}

),

fiches as (

    select * from {{ ref('stg_documents__fiches') }}

),

documents as (

    select * from {{ ref('stg_documents__documents') }}

),

funders as (

    select * from {{ ref('int_funders') }}

),

dispositifs as (

    select * from {{ ref('stg_reference__dispositifs') }}

),

contracts as (

    select * from {{ ref('stg_reference__contracts') }}

),

departements as (

    select * from {{ ref('stg_reference__departements') }}

),

joined as (

    select
        lines.funding_line_id,
        lines.cell_id,
        lines.table_id,
        lines.fiche_id,
        documents.contract_code,
        lines.document_sha256,
        lines.document_file,
        lines.fiche_code,
        fiches.fiche_title as action_title,
        lines.sub_action,
        lines.financing_type,
        lines.column_header,
        lines.funder_code,
        coalesce(funders.funder_name, lines.funder_name, lines.funder_code) as funder_name,
        -- A Région before 2016 is the former région of the contract's département.
        case
            when funders.funder_role = 'region' and departements.region_name_before_2016 is not null
                then 'Région ' || departements.region_name_before_2016
        end as funder_name_before_2016,
        funders.funder_type,
        funders.funder_role,
        funders.territory_code as funder_territory_code,
        funders.parent_code as funder_parent_code,
        lines.funder_text,
        lines.funder_rule,
        lines.funder_source,
        lines.dispositif_code,
        dispositifs.dispositif_label,
        dispositifs.programme_code as dispositif_programme_code,
        lines.amount_eur,
        lines.amount_text,
        lines.gross_amount_eur,
        lines.share_rate,
        lines.rate_amount_eur,
        lines.rate_unit,
        lines.part_amounts_eur,
        lines.detail,
        -- Years: the line's own words, else its fiche's calendar, else the contract period;
        -- an open-ended calendar ("et années suivantes") runs to the end of the contract period.
        coalesce(lines.year_start, {{ cdv_contract_period_start('documents.contract_code') }}) as year_start,
        coalesce(
            lines.year_end,
            case
                when lines.year_start is null then {{ cdv_contract_period_end('documents.contract_code') }}
                when lines.year_source = 'amount' then lines.year_start
                else greatest(lines.year_start, {{ cdv_contract_period_end('documents.contract_code') }})
            end
        ) as year_end,
        lines.year_source,
        lines.year_text,
        lines.year_end is null and lines.year_start is not null and lines.year_source = 'calendar'
            as is_open_ended,
        lines.is_recurring,
        lines.is_estimate,
        lines.is_conditional,
        lines.is_in_kind,
        lines.scope,
        lines.fte,
        lines.confidence,
        lines.clause_text,
        lines.source_line,
        lines.source_text

    from lines
    left join fiches
        on lines.fiche_id = fiches.fiche_id
    left join documents
        on lines.document_sha256 = documents.document_sha256
    left join funders
        on lines.funder_code = funders.funder_code
    left join contracts
        on documents.contract_code = contracts.contract_code
    left join departements
        on contracts.department = departements.department_code
    left join dispositifs
        on lines.dispositif_code = dispositifs.dispositif_code

),

final as (

    select
        *,
        year_end - year_start + 1 as year_count,
        'document' as source_kind,
        null::varchar as beneficiary_key,
        null::varchar as beneficiary_name,
        null::varchar as beneficiary_siret

    from joined

)

select * from final
