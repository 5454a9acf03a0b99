-- cofog: the UN Classification of the Functions of Government, the functional axis every
-- publisher's spending is compared on. Codes stay text ('01.1.1').
create or replace table cofog as
with source as (
    select * from read_csv({path}, header = true, all_varchar = true)
),

final as (
    select
        "Code" as cofog_code,
        length(replace("Code", '.', '')) - 1 as level,  -- 1 division, 2 group, 3 class
        "Description_EN" as label_en,
        "Description_FR" as label_fr,
        "Description_ES" as label_es
    from source
)

select * from final order by cofog_code
