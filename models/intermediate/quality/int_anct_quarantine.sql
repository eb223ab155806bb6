{%- set first_year = var('first_valid_year') %}
{%- set last_year = var('last_valid_year') %}
/* grain: one row per ANCT post a row-level check fails (the first check it fails): an amount that
   is not a positive number of euros or is implausible for one post, a dispositif ref_dispositifs
   does not know, a year that cannot be read or is outside the valid range, a contract code naming
   no contract. Part of int_quarantine (analytics.quarantine), kept apart so that the open data's
   funding lines, which leave these posts out, do not depend on the contract documents. */
with

posts as (

    -- A record repeated word for word is one post listed twice (counted once, not quarantined).
    select * from {{ ref('stg_anct__posts') }}
    where not is_repeated_record

),

dispositifs as (

    select dispositif_code from {{ ref('stg_reference__dispositifs') }}

),

contracts as (

    select contract_code from {{ ref('stg_reference__contracts') }}

),

unreadable_post_contracts as (

    -- Codes of the open data in which no contract of ref_contracts can be read. A combined code
    -- (CV380CV384: posts shared by contracts of Guyane) names known contracts: it publishes, warned
    -- by the tests of stg_anct__posts. Checked once per distinct code, not once per post.
    select distinct posts.contract_code
    from posts
    where posts.contract_code is not null
        and posts.contract_code not in (select contracts.contract_code from contracts)
        and not exists (
            select 1 from contracts
            where position(contracts.contract_code in posts.contract_code) > 0
        )

),

post_checks as (

    -- The first check a post fails, in this order.
    select
        *,
        case
            when amount_eur is null or amount_eur <= 0 then 'amount_not_positive'
            when amount_eur >= 100000 then 'amount_out_of_range'
            when dispositif_code is null
                or dispositif_code not in (select dispositifs.dispositif_code from dispositifs)
                then 'unknown_dispositif'
            when funding_year is null
                or funding_year < {{ first_year }} or funding_year > {{ last_year }}
                then 'unparseable_year'
            when contract_code in (select unreadable_post_contracts.contract_code from unreadable_post_contracts)
                then 'unknown_contract_code'
        end as rule

    from posts

),

post_failures as (

    select
        'anct_post' as row_kind,
        'anct:' || post_id as row_id,
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
                then 'montant '
                    || coalesce('"' || amount_text || '"', 'missing')
                    || ' is not a positive amount of euros'
            when 'amount_out_of_range'
                then 'montant '
                    || coalesce('"' || amount_text || '"', '')
                    || ' is 100 000 € or more for one post: not plausible'
            when
                'unknown_dispositif'
                then 'dispositif ' || coalesce(dispositif_code, 'missing') || ' is not in ref_dispositifs'
            when 'unparseable_year'
                then coalesce(
                        'annee ' || cast(funding_year as varchar) || ' is outside {{ first_year }}-{{ last_year }}',
                        'annee ' || coalesce('"' || year_text || '"', 'missing') || ' is not a year'
                    )
            when 'unknown_contract_code' then 'code_cv ' || contract_code || ' names no contract of ref_contracts'
        end as message

    from post_checks
    where rule is not null

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

    from post_failures

)

select * from final
