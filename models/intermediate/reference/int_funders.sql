/* grain: one row per funder code: the national funders of the seed, every territorial role on every
   territory of the reference (Départements, CAFs, Régions, EPCIs, communes), the bare roles (territory
   not known), the funders only the documents name (AUTRE-*, communes missing from the reference) and
   NON_IDENTIFIE */
with

reference_funders as (

    select * from {{ ref('int_reference_funders') }}

),

lines as (

    select * from {{ ref('stg_documents__funding_lines') }}

),

pledges as (

    select * from {{ ref('stg_documents__funding_pledges') }}

),

named_in_documents as (

    select
        funder_code,
        funder_role,
        funder_name
    from lines
    union all
    select
        funder_code,
        funder_role,
        funder_name
    from pledges

),

document_funders as (

    -- Funders only the documents know: bodies no rule knows (AUTRE-*), communes outside the reference.
    select
        funder_code,
        coalesce(max(funder_name), funder_code) as funder_name,
        null::varchar as funder_name_before_2016,
        case
            when max(funder_role) = 'commune' then 'collectivite'
            else 'autre'
        end as funder_type,
        coalesce(max(funder_role), 'autre') as funder_role,
        null::varchar as territory_code,
        null::varchar as parent_code,
        'Named in a document, with no reference row: ' || coalesce(max(funder_name), funder_code)
        || ' (kept under its own name; the role says what it is).' as funder_description

    from named_in_documents
    where funder_code not in (select reference_funders.funder_code from reference_funders)
    group by funder_code

),

final as (

    select * from reference_funders
    union all
    select * from document_funders

)

select * from final
