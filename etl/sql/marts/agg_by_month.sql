-- agg_by_month: totals per publisher, month and currency (the Over time page).
create or replace table agg_by_month as
with spending_rows as (
    select publisher_id, period, currency, amount, is_redacted
    from spending
),

final as (
    select
        publisher_id,
        period,
        cast(left(period, 4) as integer) as year,
        cast(right(period, 2) as integer) as month,
        currency,
        count(*) as payments,
        sum(amount) as total
    from spending_rows
    group by publisher_id, period, currency
)

select * from final order by publisher_id, period, currency
