/* grain: one row per funder code the reference knows: the national funders of the seed, every
   territorial role on every territory of the reference (Départements, CAFs, Régions, EPCIs,
   communes), the bare roles (territory not known) and NON_IDENTIFIE. No document is read here: the
   open data's funding lines join these, so a changed document does not rebuild them. */
with

national as (

    select * from {{ ref('stg_reference__funders') }}

),

departements as (

    select * from {{ ref('stg_reference__departements') }}

),

contracts as (

    select * from {{ ref('stg_reference__contracts') }}

),

generations as (

    select * from {{ ref('stg_reference__contract_generations') }}

),

qpvs as (

    select * from {{ ref('int_qpvs') }}

),

national_funders as (

    select
        funder_code,
        funder_name,
        null::varchar as funder_name_before_2016,
        funder_type,
        funder_role,
        null::varchar as territory_code,
        parent_code,
        funder_description

    from national

),

departement_funders as (

    select
        'DEP-' || department_code as funder_code,
        'Département (' || department_name || ')' as funder_name,
        null::varchar as funder_name_before_2016,
        'collectivite' as funder_type,
        'departement' as funder_role,
        department_code as territory_code,
        null::varchar as parent_code,
        'The Département ' || department_code || ' (' || department_name || '): its Conseil départemental '
        || '(Conseil général before 2015), written CD, Département, Assemblée départementale in the documents '
        || 'of a contract of this département.' as funder_description

    from departements

),

caf_funders as (

    select
        'CAF-' || department_code as funder_code,
        'CAF (' || department_name || ')' as funder_name,
        null::varchar as funder_name_before_2016,
        'organisme' as funder_type,
        'caf' as funder_role,
        department_code as territory_code,
        null::varchar as parent_code,
        'The caisse d''allocations familiales of the département ' || department_code || ' ('
        || department_name || ').' as funder_description

    from departements

),

region_funders as (

    select
        'REG-' || region_code as funder_code,
        'Région ' || min(region_name) as funder_name,
        string_agg(distinct 'Région ' || region_name_before_2016, ' / ' order by 'Région ' || region_name_before_2016)
            as funder_name_before_2016,
        'collectivite' as funder_type,
        'region' as funder_role,
        region_code as territory_code,
        null::varchar as parent_code,
        'The Région ' || min(region_name) || ' (INSEE code ' || region_code || '); before 2016 the régions '
        || string_agg(distinct region_name_before_2016, ', ' order by region_name_before_2016)
        || ': a line of a year before 2016 is named after the former région of its contract''s département.'
            as funder_description

    from departements
    where region_code is not null
    group by region_code

),

epci_names as (

    -- One name per SIREN: the oldest generation's contract (2015-2023) when there is one (the documents
    -- of that generation use it), else the next one's (2024-2030).
    select
        contracts.epci_siren,
        contracts.contract_name,
        contracts.department,
        row_number() over (
            partition by contracts.epci_siren
            order by generations.period_start asc nulls last, contracts.contract_code asc
        ) as name_rank

    from contracts
    left join generations
        on contracts.generation = generations.generation
    where contracts.epci_siren is not null and contracts.epci_siren != ''

),

epci_funders as (

    select
        'EPCI-' || epci_siren as funder_code,
        contract_name as funder_name,
        null::varchar as funder_name_before_2016,
        'collectivite' as funder_type,
        'epci' as funder_role,
        epci_siren as territory_code,
        null::varchar as parent_code,
        'The intercommunality (SIREN ' || epci_siren || ', département ' || department || ') that signs its '
        || 'contrat de ville; its name, acronym and place words in the documents.' as funder_description

    from epci_names
    where name_rank = 1

),

communes as (

    select
        commune_insee,
        min(commune_name) as commune_name,
        min(department) as department
    from qpvs
    where commune_insee is not null
    group by commune_insee

    union all

    select
        commune_insee,
        min(contract_name) as commune_name,
        min(department) as department
    from contracts
    where commune_insee is not null and commune_insee != ''
        and commune_insee not in (
            select qpvs.commune_insee from qpvs
            where qpvs.commune_insee is not null
        )
    group by commune_insee

),

commune_funders as (

    select
        'COM-' || commune_insee as funder_code,
        case
            when lower(substr(commune_name, 1, 1)) in ('a', 'e', 'i', 'o', 'u', 'y', 'h', 'é', 'è', 'î', 'â')
                then 'Ville d''' || commune_name
            else 'Ville de ' || commune_name
        end as funder_name,
        null::varchar as funder_name_before_2016,
        'collectivite' as funder_type,
        'commune' as funder_role,
        commune_insee as territory_code,
        null::varchar as parent_code,
        'The commune ' || commune_name || ' (INSEE ' || commune_insee || ', département ' || department
        || '): Ville, Ville de ..., commune, budget communal in the documents.' as funder_description

    from communes

),

bare_roles as (

    select
        role_code as funder_code,
        role_name as funder_name,
        null::varchar as funder_name_before_2016,
        role_type as funder_type,
        role as funder_role,
        null::varchar as territory_code,
        null::varchar as parent_code,
        'A ' || role || ' named in a document whose contract was not recognised, so whose territory is not '
        || 'known (see analytics.contract_recognition).' as funder_description

    from (
        values
        ('DEP', 'Département (territoire non reconnu)', 'collectivite', 'departement'),
        ('REG', 'Région (territoire non reconnu)', 'collectivite', 'region'),
        ('CAF', 'CAF (territoire non reconnu)', 'organisme', 'caf'),
        ('EPCI', 'Intercommunalité (territoire non reconnu)', 'collectivite', 'epci'),
        ('COM', 'Commune (territoire non reconnu)', 'collectivite', 'commune')
    ) as roles (role_code, role_name, role_type, role)  -- noqa: AL05

),

unknown as (

    select
        {{ cdv_unknown_funder() }} as funder_code,
        'Financeur non identifié' as funder_name,
        null::varchar as funder_name_before_2016,
        'inconnu' as funder_type,
        'inconnu' as funder_role,
        null::varchar as territory_code,
        null::varchar as parent_code,
        'No funder could be decided for the amount: the cell names none, no dispositif points to one and '
        || 'the column gives none. Every such line is also a data-quality issue.' as funder_description

),

reference_funders as (

    select * from national_funders
    union all
    select * from departement_funders
    union all
    select * from caf_funders
    union all
    select * from region_funders
    union all
    select * from epci_funders
    union all
    select * from commune_funders
    union all
    select * from bare_roles
    union all
    select * from unknown

)

select * from reference_funders
