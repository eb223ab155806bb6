/* grain: one row per contrat de ville code (both generations) */
with

contracts as (

    select * from {{ ref('stg_reference__contracts') }}

),

contract_generations as (

    select * from {{ ref('stg_reference__contract_generations') }}

),

ranked_predecessors as (

    -- A 2024-2030 code can succeed two old codes (CN98701M: CV422 and CV429, both Papeete): the one
    -- of the 2015-2023 list, then the larger QPV population, is named; the count says there were more.
    select
        successor_code as contract_code,
        contract_code as predecessor_code,
        count(*) over (partition by successor_code) as predecessor_count,
        row_number() over (
            partition by successor_code
            order by listed_2015_2023 desc nulls last, pop_qpv desc nulls last, contract_code asc
        ) as predecessor_rank

    from contracts
    where successor_code is not null

),

predecessors as (

    select
        contract_code,
        predecessor_code,
        predecessor_count

    from ranked_predecessors
    where predecessor_rank = 1

),

final as (

    select
        contracts.contract_code,
        contracts.contract_name,
        contracts.lib_cv,
        contracts.epci_siren,
        contracts.commune_insee,
        contracts.department,
        contracts.generation,
        contracts.pop_qpv,
        contracts.successor_code,
        predecessors.predecessor_code,
        coalesce(predecessors.predecessor_count, 0) as predecessor_count,
        -- The 2015 contracts were signed for 2015-2020; the extensions to 2022 (loi de finances 2019)
        -- and 2023 came later and are not what the 2015 documents planned (same rule as the funding
        -- lines' fallback period, macros/contract_period.sql).
        {{ cdv_contract_period_start('contracts.contract_code') }} as contract_period_start,
        {{ cdv_contract_period_end('contracts.contract_code') }} as contract_period_end,
        contract_generations.period_end as contract_extended_end,
        contracts.listed_2015_2023,
        contracts.listed_2024_2030

    from contracts
    left join predecessors
        on contracts.contract_code = predecessors.contract_code
    -- The generation of the code's prefix (none for a code of another shape: no extended end).
    left join contract_generations
        on contracts.contract_code like contract_generations.code_prefix || '%'

)

select * from final
