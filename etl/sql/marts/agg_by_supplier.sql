-- agg_by_supplier: totals per publisher, year, currency and supplier (the Suppliers page's
-- ranking and search). Every redacted payment is grouped under one row with a null supplier
-- name and is_redacted = true: no personal name reaches this table. Rolled up from
-- agg_by_supplier_month (a tenth of the rows of spending or fewer), not from spending.
create or replace table agg_by_supplier as
with supplier_months as (
    select
        publisher_id,
        cast(left(period, 4) as integer) as year,
        currency,
        supplier_name,
        is_redacted,
        department,
        payments,
        total,
        first_payment_date,
        last_payment_date
    from agg_by_supplier_month
),

final as (
    select
        publisher_id,
        year,
        currency,
        supplier_name,
        is_redacted,
        cast(sum(payments) as bigint) as payments,
        sum(total) as total,
        count(distinct department) as departments,
        min(first_payment_date) as first_payment_date,
        max(last_payment_date) as last_payment_date
    from supplier_months
    group by all
)

select * from final order by publisher_id, year, currency, total desc
