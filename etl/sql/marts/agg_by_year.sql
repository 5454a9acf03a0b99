-- agg_by_year: one row per publisher, year and currency (and one per publisher and year over
-- every currency, currency = null), the Overview page's headline figures precomputed at
-- publish time. Suppliers are distinct named suppliers: redacted rows are counted apart.
create or replace table agg_by_year as
with spending_rows as (
    select
        publisher_id,
        publisher_name,
        period,
        cast(left(period, 4) as integer) as year,
        currency,
        amount,
        is_redacted,
        case when is_redacted then null else supplier_name end as supplier_name
    from spending
),

final as (
    select
        publisher_id,
        year,
        currency,
        arg_max(publisher_name, period) as publisher_name,
        count(*) as payments,
        sum(amount) as total,
        count(distinct supplier_name) as suppliers,
        count(*) filter (where is_redacted) as redacted_payments,
        count(distinct period) as months,
        min(period) as first_period,
        max(period) as last_period
    from spending_rows
    group by grouping sets ((publisher_id, year, currency), (publisher_id, year))
)

select * from final order by publisher_id, year, currency nulls first
