-- agg_by_supplier_month: one named supplier's payments per publisher, month, currency and
-- department (the supplier page: over time and by department). Redacted payments keep a null
-- name. Ordered by publisher and supplier so that looking one supplier up reads a few blocks.
-- agg_by_supplier and agg_by_year are rolled up from it.
create or replace table agg_by_supplier_month as
with spending_rows as (
    select
        publisher_id,
        case when is_redacted then null else supplier_name end as supplier_name,
        is_redacted,
        period,
        currency,
        department,
        payment_date,
        amount
    from spending
),

final as (
    select
        publisher_id,
        supplier_name,
        is_redacted,
        period,
        currency,
        department,
        count(*) as payments,
        sum(amount) as total,
        min(payment_date) as first_payment_date,
        max(payment_date) as last_payment_date
    from spending_rows
    group by publisher_id, supplier_name, is_redacted, period, currency, department
)

select * from final order by publisher_id, supplier_name, period, currency, department
