/* grain: one row per beneficiary of executed funding (ANCT posts): by SIRET when given, else by name */
with

lines as (

    select * from {{ ref('int_anct_funding_lines') }}

),

final as (

    select
        beneficiary_key,
        -- A SIRET can be published under several spellings of a name: keep the most frequent.
        mode(beneficiary_name) as beneficiary_name,
        max(beneficiary_siret) as beneficiary_siret,
        max(beneficiary_siret) is not null as has_siret,
        count(*) as post_count

    from lines
    where beneficiary_key is not null
    group by beneficiary_key

)

select * from final
