-- One row per contract document: the contract recognised (or given), how, with which confidence, and
-- what its reading gave (funding, local funders, euros with no funder, euros on a QPV).
with

recognition as (

    select * from analytics.contract_recognition

),

final as (

    select
        document_file,
        document_kind,
        contract_code,
        contract_name,
        contract_rule,
        contract_confidence,
        contract_evidence,
        other_candidates,
        qpv_count,
        funding_line_count,
        funding_eur,
        local_funder_eur,
        unidentified_eur,
        qpv_eur,
        hors_qpv_eur,
        issue_count

    from recognition

)

select * from final
order by contract_code nulls first, document_file
