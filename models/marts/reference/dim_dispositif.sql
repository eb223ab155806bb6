/* grain: one row per named dispositif */
with

dispositifs as (

    select * from {{ ref('stg_reference__dispositifs') }}

),

final as (

    select
        dispositif_code,
        dispositif_label,
        usual_funder_code,
        usual_funder_role,
        usual_funder_exclusive,
        programme_code,
        parent_code,
        dispositif_description

    from dispositifs

)

select * from final
