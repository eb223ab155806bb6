-- One row per QPV (and HORS_QPV for places that are not QPVs): planned funding allocated to it.
with

funding as (

    -- Planned funding only: the contract documents, not the ANCT open data (executed).
    select * from marts.fct_funding
    where source_kind = 'document'

),

qpvs as (

    select * from marts.dim_qpv

),

final as (

    select
        funding.qpv_code,
        qpvs.qpv_name,
        qpvs.commune_name,
        sum(funding.amount_eur) as amount_eur,
        count(distinct funding.funding_line_id) as funding_line_count

    from funding
    left join qpvs
        on funding.qpv_code = qpvs.qpv_code
    group by all

)

select * from final
order by qpv_code
