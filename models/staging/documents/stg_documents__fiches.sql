with

source as (

    select * from {{ source('documents', 'fiches') }}

),

renamed as (

    select
        substr(document_sha256, 1, 16) || ':' || fiche_code as fiche_id,
        document_sha256,
        document_file,
        fiche_code,
        title as fiche_title,
        pillar,
        axis_code,
        axis_label,
        axis_heading_label,
        objective_code,
        objective_label,
        objective_heading_label,
        convention,
        articulation,
        diagnostic,
        objectif_general,
        objectifs_operationnels,
        description,
        territoire,
        pilotes_partenaires,
        moyens,
        moyens_humains,
        moyens_financiers,
        moyens_techniques,
        calendrier,
        resultats_attendus,
        indicateurs,
        participation_habitants,
        first_line,
        last_line,
        source_line,
        source_text,
        loaded_at

    from source

)

select * from renamed
