-- agg_by_supplier: totals per publisher, year, currency and supplier (the Suppliers page's
-- ranking and search). Every redacted payment is grouped under one row with a null supplier
-- name and is_redacted = true: no personal name reaches this table.
create or replace table agg_by_supplier as
with spending_rows as (
    select
        publisher_id,
        cast(left(period, 4) as integer) as year,
        currency,
        is_redacted,
        case when is_redacted then null else supplier_name end as supplier_name,
        department,
        payment_date,
        amount
    from spending
),

final as (
    select
        publisher_id,
        year,
        currency,
        supplier_name,
        is_redacted,
        count(*) as payments,
        sum(amount) as total,
        count(distinct department) as departments,
        min(payment_date) as first_payment_date,
        max(payment_date) as last_payment_date
    from spending_rows
    group by all
)

select * from final order by publisher_id, year, currency, total desc
