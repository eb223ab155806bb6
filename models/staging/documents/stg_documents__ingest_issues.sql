with

source as (

    select * from {{ source('documents', 'ingest_issues') }}

),

renamed as (

    select
        issue_id,
        document_sha256,
        document_file,
        source_line,
        severity,
        rule,
        message,
        source_text,
        loaded_at

    from source

)

select * from renamed
