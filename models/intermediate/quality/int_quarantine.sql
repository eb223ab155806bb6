{%- set first_year = var('first_valid_year') %}
{%- set last_year = var('last_valid_year') %}
/* grain: one row per incoming row a row-level check fails (the first check it fails). Row-level
   checks are those new data can fail without anything being wrong with the warehouse: an amount
   that is not a positive number of euros (or an implausible one), no funder, a dispositif or
   contract code no reference knows, a year that cannot be read or is outside the valid range.
   A failing row is kept here, with its document, line and source text, and left out of every
   total; every other row publishes.
   Documents quarantined whole (int_quarantined_documents) have one row here too (row_kind document);
   the ANCT posts' rows come from int_anct_quarantine. */
with

lines as (

    select * from {{ ref('int_document_funding_lines_read') }}

),

costs as (

    select * from {{ ref('stg_documents__action_costs') }}
    where {{ cdv_is_current_document() }}

),

dispositifs as (

    select dispositif_code from {{ ref('stg_reference__dispositifs') }}

),

contracts as (

    select contract_code from {{ ref('stg_reference__contracts') }}

),

line_checks as (

    -- The first check a line fails, in this order.
    select
        *,
        case
            when amount_eur is null or amount_eur <= 0 then 'amount_not_positive'
            when amount_eur > 100000000 then 'amount_out_of_range'
            when funder_code is null then 'null_funder'
            when dispositif_code is not null
                and dispositif_code not in (select dispositifs.dispositif_code from dispositifs)
                then 'unknown_dispositif'
            when contract_code is not null
                and contract_code not in (select contracts.contract_code from contracts)
                then 'unknown_contract_code'
            when year_start is null or year_end is null
                or year_start < {{ first_year }} or year_end > {{ last_year }} or year_end < year_start
                then 'unparseable_year'
        end as rule

    from lines

),

line_failures as (

    select
        'funding_line' as row_kind,
        funding_line_id as row_id,
        document_sha256,
        document_file,
        contract_code,
        source_line,
        source_text,
        amount_eur,
        amount_text,
        rule,
        case rule
            when 'amount_not_positive'
                then 'amount ' || coalesce('"' || amount_text || '"', 'missing') || ' is not a positive amount of euros'
            when 'amount_out_of_range'
                then 'amount '
                    || coalesce('"' || amount_text || '"', '')
                    || ' is over 100 M€ for one line: not plausible'
            when 'null_funder' then 'no funder: neither the text, the dispositif nor the column names one'
            when 'unknown_dispositif' then 'dispositif ' || dispositif_code || ' is not in ref_dispositifs'
            when 'unknown_contract_code' then 'contract code ' || contract_code || ' is not in ref_contracts'
            when 'unparseable_year' then coalesce(
                    'years ' || cast(year_start as varchar) || '-' || cast(year_end as varchar)
                    || ' are outside {{ first_year }}-{{ last_year }}',
                    'no year: neither the line, its fiche nor a recognised contract gives one'
                )
        end as message

    from line_checks
    where rule is not null

),

cost_failures as (

    -- A stated cost (total, item, rate of a fiche) that is not a plausible amount of euros.
    select
        'action_cost' as row_kind,
        cost_id as row_id,
        document_sha256,
        document_file,
        cast(null as varchar) as contract_code,
        source_line,
        source_text,
        amount_eur,
        amount_text,
        case when amount_eur is null or amount_eur <= 0 then 'amount_not_positive' else 'amount_out_of_range' end
            as rule,
        case
            when amount_eur is null or amount_eur <= 0
                then 'cost ' || coalesce('"' || amount_text || '"', 'missing') || ' is not a positive amount of euros'
            else 'cost ' || coalesce('"' || amount_text || '"', '') || ' is over 100 M€: not plausible'
        end as message

    from costs
    where amount_eur is null or amount_eur <= 0 or amount_eur > 100000000

),

documents as (

    select
        'document' as row_kind,
        document_sha256 as row_id,
        document_sha256,
        document_file,
        contract_code,
        cast(null as integer) as source_line,
        cast(null as varchar) as source_text,
        cast(null as decimal(18, 2)) as amount_eur,
        cast(null as varchar) as amount_text,
        rule,
        message

    from {{ ref('int_quarantined_documents') }}

),

unioned as (

    select * from line_failures
    union all
    select * from cost_failures
    union all
    select * from documents

),

final as (

    select
        row_kind || ':' || row_id as quarantine_id,
        row_kind,
        row_id,
        rule,
        message,
        document_sha256,
        document_file,
        contract_code,
        source_line,
        source_text,
        amount_eur,
        amount_text

    from unioned

    union all

    select * from {{ ref('int_anct_quarantine') }}

)

select * from final
