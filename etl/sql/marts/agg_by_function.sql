-- agg_by_function: totals per publisher, year, currency and the drill-down path of the
-- "Where the money goes" page: COFOG division (first level of the function code), department,
-- expense type. A missing level stays null (shown as "not stated").
create or replace table agg_by_function as
with spending_rows as (
    select
        publisher_id,
        cast(left(period, 4) as integer) as year,
        currency,
        nullif(left(cofog_code, 2), '') as cofog_division,
        department,
        expense_type,
        amount
    from spending
),

final as (
    select
        publisher_id,
        year,
        currency,
        cofog_division,
        department,
        expense_type,
        count(*) as payments,
        sum(amount) as total
    from spending_rows
    group by all
)

select * from final order by publisher_id, year, currency, cofog_division, department, expense_type
