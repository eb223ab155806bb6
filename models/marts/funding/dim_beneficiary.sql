/* grain: one row per beneficiary of executed funding (ANCT posts): by SIRET when given, else by name */
with

lines as (

    select * from {{ ref('int_anct_funding_lines') }}

),

names as (

    -- A SIRET can be published under several spellings of a name: keep the most frequent, and of
    -- equally frequent ones the first in alphabetical order (mode() breaks ties at random, and the
    -- name would change from build to build).
    select
        beneficiary_key,
        beneficiary_name,
        row_number() over (
            partition by beneficiary_key order by count(*) desc, beneficiary_name asc
        ) as name_rank

    from lines
    where beneficiary_key is not null
        and beneficiary_name is not null
    group by beneficiary_key, beneficiary_name

),

final as (

    select
        lines.beneficiary_key,
        min(names.beneficiary_name) as beneficiary_name,
        max(lines.beneficiary_siret) as beneficiary_siret,
        max(lines.beneficiary_siret) is not null as has_siret,
        count(*) as post_count

    from lines
    left join names
        on lines.beneficiary_key = names.beneficiary_key
            and names.name_rank = 1
    where lines.beneficiary_key is not null
    group by lines.beneficiary_key

)

select * from final
