-- agg_by_release: how many rows of each release are still published, per publisher and period
-- (a period published again replaces the rows of the earlier release). The Data and downloads
-- page lists it next to each release; the Overview names the latest release that still has rows.
create or replace table agg_by_release as
with spending_rows as (
    select publisher_id, release_id, period
    from spending
),

final as (
    select
        publisher_id,
        release_id,
        period,
        count(*) as payments
    from spending_rows
    group by all
)

select * from final order by publisher_id, release_id, period
