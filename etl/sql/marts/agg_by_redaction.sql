-- agg_by_redaction: redacted payments per publisher, year, reason and currency (the Data and
-- downloads page's redaction counts). Holds no name: only counts and totals.
create or replace table agg_by_redaction as
with redacted_rows as (
    select
        publisher_id,
        cast(left(period, 4) as integer) as year,
        coalesce(redaction_reason, 'unspecified') as redaction_reason,
        currency,
        amount
    from spending
    where is_redacted
),

final as (
    select
        publisher_id,
        year,
        redaction_reason,
        currency,
        count(*) as payments,
        sum(amount) as total
    from redacted_rows
    group by all
)

select * from final order by publisher_id, year, redaction_reason, currency
