with

source as (

    select * from {{ ref('ref_lolf_programmes') }}

),

renamed as (

    select
        programme_code,
        programme_label,
        mission_label,
        label_lfi2013,
        mission_lfi2013,
        ministry_lfi2013,
        label_plf2025,
        mission_code_plf2025,
        mission_plf2025,
        nature

    from source

)

select * from renamed
