with

source as (

    select * from {{ ref('ref_state_service_aliases') }}

),

renamed as (

    select
        alias,
        {{ cdv_fold('alias') }} as alias_key,
        service_code,
        whole_word,
        case_sensitive

    from source

)

select * from renamed
