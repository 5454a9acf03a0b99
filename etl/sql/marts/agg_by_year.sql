-- agg_by_year: one row per publisher, year and currency (and one per publisher and year over
-- every currency, currency = null), the Overview page's headline figures precomputed at
-- publish time. Suppliers are distinct named suppliers: redacted rows are counted apart.
-- Rolled up from agg_by_supplier_month; the publisher's name is the one of its latest period.
create or replace table agg_by_year as
with names as (
    select
        publisher_id,
        cast(left(period, 4) as integer) as year,
        arg_max(publisher_name, period) as publisher_name
    from spending
    group by all
),

supplier_months as (
    select
        publisher_id,
        period,
        cast(left(period, 4) as integer) as year,
        currency,
        supplier_name,
        is_redacted,
        payments,
        total
    from agg_by_supplier_month
),

final as (
    select
        publisher_id,
        year,
        currency,
        cast(sum(payments) as bigint) as payments,
        sum(total) as total,
        count(distinct supplier_name) as suppliers,
        cast(coalesce(sum(payments) filter (where is_redacted), 0) as bigint) as redacted_payments,
        count(distinct period) as months,
        min(period) as first_period,
        max(period) as last_period
    from supplier_months
    group by grouping sets ((publisher_id, year, currency), (publisher_id, year))
)

select f.publisher_id, f.year, f.currency, n.publisher_name, f.payments, f.total, f.suppliers,
       f.redacted_payments, f.months, f.first_period, f.last_period
from final f join names n using (publisher_id, year)
order by f.publisher_id, f.year, f.currency nulls first
