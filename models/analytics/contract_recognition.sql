/* grain: one row per contract document (programme d'actions, annexe objectifs / BOP) */
with

documents as (

    select * from {{ ref('stg_documents__documents') }}

),

contracts as (

    select * from {{ ref('dim_contract') }}

),

lines as (

    select * from {{ ref('int_document_funding_lines') }}

),

funding as (

    select * from {{ ref('int_document_funding_allocated') }}

),

issues as (

    select * from {{ ref('stg_documents__ingest_issues') }}

),

line_totals as (

    select
        document_sha256,
        count(*) as funding_line_count,
        sum(amount_eur) as funding_eur,
        sum(case when funder_role in ('departement', 'region', 'caf', 'epci', 'commune') then amount_eur else 0 end)
            as local_funder_eur,
        sum(case when funder_code = {{ cdv_unknown_funder() }} then amount_eur else 0 end) as unidentified_eur

    from lines
    group by document_sha256

),

allocated as (

    select
        lines.document_sha256,
        sum(case when funding.qpv_code != {{ cdv_outside_qpv() }} then funding.amount_eur else 0 end) as qpv_eur,
        sum(case when funding.qpv_code = {{ cdv_outside_qpv() }} then funding.amount_eur else 0 end) as hors_qpv_eur

    from funding
    inner join lines
        on funding.funding_line_id = lines.funding_line_id
    group by lines.document_sha256

),

issue_counts as (

    select
        document_sha256,
        count(*) as issue_count
    from issues
    group by document_sha256

),

final as (

    select
        documents.document_file,
        documents.document_kind,
        documents.contract_code,
        contracts.contract_name,
        contracts.department,
        documents.contract_rule,
        documents.contract_confidence,
        documents.contract_evidence,
        documents.contract_evidence_line,
        array_to_string(documents.contract_candidates, ', ') as other_candidates,
        coalesce({{ cdv_list_length('documents.contract_qpvs') }}, 0) as qpv_count,
        documents.contract_qpv_rule as qpv_rule,
        coalesce(line_totals.funding_line_count, 0) as funding_line_count,
        coalesce(line_totals.funding_eur, 0)::decimal(18, 2) as funding_eur,
        coalesce(line_totals.local_funder_eur, 0)::decimal(18, 2) as local_funder_eur,
        coalesce(line_totals.unidentified_eur, 0)::decimal(18, 2) as unidentified_eur,
        coalesce(allocated.qpv_eur, 0)::decimal(18, 2) as qpv_eur,
        coalesce(allocated.hors_qpv_eur, 0)::decimal(18, 2) as hors_qpv_eur,
        coalesce(issue_counts.issue_count, 0) as issue_count

    from documents
    left join contracts
        on documents.contract_code = contracts.contract_code
    left join line_totals
        on documents.document_sha256 = line_totals.document_sha256
    left join allocated
        on documents.document_sha256 = allocated.document_sha256
    left join issue_counts
        on documents.document_sha256 = issue_counts.document_sha256
    where documents.document_kind in ('programme_actions', 'annexe_objectifs_bop')

)

select * from final
