-- One row per year and financing type (droit commun / crédits spécifiques).
with

funding as (

    -- Planned funding only: the contract documents, not the ANCT open data (executed).
    select * from marts.fct_funding
    where source_kind = 'document'

),

final as (

    select
        funding_year,
        financing_type,
        sum(amount_eur) as amount_eur,
        count(distinct funding_line_id) as funding_line_count

    from funding
    group by all

)

select * from final
order by funding_year, financing_type
