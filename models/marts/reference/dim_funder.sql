/* grain: one row per funder code (int_funders: national funders, roles × territories, funders named
   only in documents, NON_IDENTIFIE), with the top of its parent chain */
with recursive

funders as (

    select * from {{ ref('int_funders') }}

),

with_unknown as (

    select
        funder_code,
        funder_name,
        funder_name_before_2016,
        funder_type,
        funder_role,
        territory_code,
        parent_code,
        funder_description

    from funders

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
        with_unknown.funder_name_before_2016,
        with_unknown.funder_type,
        with_unknown.funder_role,
        with_unknown.territory_code,
        with_unknown.parent_code,
        roots.root_funder_code,
        roots.funder_depth,
        with_unknown.funder_description

    from with_unknown
    left join roots
        on with_unknown.funder_code = roots.funder_code

)

select * from final
