/* grain: one row per QPV code: the ref_qpv seed, then the QPVs of the users' lists (reference/qpv/,
   loaded as documents of kind qpv_list) that the seed lacks, the most recently loaded list first */
with

seeded as (

    select * from {{ ref('stg_reference__qpv') }}

),

listed as (

    select * from {{ ref('stg_documents__qpv_lists') }}

),

added as (

    select
        qpv_code,
        qpv_name,
        commune_insee,
        commune_name,
        communes_englobantes,
        department,
        null::varchar as region,
        null::integer as list_year,
        pop_mun,
        contract_code,
        'list:' || document_file as qpv_source,
        row_number() over (partition by qpv_code order by loaded_at desc nulls last, document_file asc) as list_rank

    from listed
    where qpv_code not in (select seeded.qpv_code from seeded)

),

final as (

    select
        qpv_code,
        qpv_name,
        commune_insee,
        commune_name,
        communes_englobantes,
        department,
        region,
        list_year,
        pop_mun,
        contract_code,
        'seed:ref_qpv' as qpv_source

    from seeded

    union all

    select
        qpv_code,
        qpv_name,
        commune_insee,
        commune_name,
        communes_englobantes,
        department,
        region,
        list_year,
        pop_mun,
        contract_code,
        qpv_source

    from added
    where list_rank = 1

)

select * from final
