/* grain: one row per funder, plus the NON_IDENTIFIE member */
with recursive

funders as (

    select * from {{ ref('stg_reference__funders') }}

),

with_unknown as (

    select
        funder_code,
        funder_name,
        funder_type,
        parent_code,
        funder_description

    from funders

    union all

    -- The money reader's code when no funder can be decided (ingest.funding.UNKNOWN_FUNDER).
    select
        'NON_IDENTIFIE' as funder_code,
        'Financeur non identifié' as funder_name,
        'inconnu' as funder_type,
        null::varchar as parent_code,
        'No funder could be decided for the amount: the cell names none, no dispositif points to one and '
        || 'the column gives none. Every such line is also a data-quality issue.' as funder_description

    where not exists (select 1 from funders where funder_code = 'NON_IDENTIFIE')

),

parent_chain as (

    -- Walks up parent_code to the top (DIRECCTE -> ETAT); depth bounded against a cycle in the seed.
    select
        funder_code,
        funder_code as ancestor_code,
        parent_code as next_code,
        0 as depth

    from with_unknown

    union all

    select
        parent_chain.funder_code,
        with_unknown.funder_code as ancestor_code,
        with_unknown.parent_code as next_code,
        parent_chain.depth + 1 as depth

    from parent_chain
    inner join with_unknown
        on parent_chain.next_code = with_unknown.funder_code
    where parent_chain.depth < 10

),

roots as (

    select
        funder_code,
        ancestor_code as root_funder_code,
        depth as funder_depth

    from parent_chain
    where next_code is null

),

final as (

    select
        with_unknown.funder_code,
        with_unknown.funder_name,
        with_unknown.funder_type,
        with_unknown.parent_code,
        roots.root_funder_code,
        roots.funder_depth,
        with_unknown.funder_description

    from with_unknown
    left join roots
        on with_unknown.funder_code = roots.funder_code

)

select * from final
