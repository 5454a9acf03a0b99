-- budget_vs_actual: what each body voted, opened and executed, and what its payments explain.
-- Needs the tables budget, spending and cofog (an empty spending table is fine). Two kinds of rows,
-- told apart by `view`:
--   'chapter_function': per publisher, fiscal year, budget phase, direction, section, real or order
--     operation, chapter and function: budget lines, voted, open and executed amounts, and the
--     execution rates (executed / open credits, executed / voted);
--   'cofog': per publisher and fiscal year in which it published both a budget and payments: the
--     budget's real expenditure (amount of the document's phase, and voted, open, executed) and the
--     payments, both per COFOG division, with the remainder (budget amount minus payments). Budget
--     lines and payments without a COFOG code have a row of their own (cofog_code empty), and
--     payments that fall in no division of the budget a row with an empty budget: nothing hidden.
-- A payment belongs to the fiscal year its date falls in, by the publisher's fiscal_year_start_month.
-- Money stays DECIMAL(18,2); rates are ratios rounded to DECIMAL(18,4), empty when the base is zero.
create or replace table budget_vs_actual as
with budget_lines as (
    select
        *,
        is_real is not false as is_real_operation,
        left(cofog_code, 2) as cofog_division
    from budget
),

payments_source as (
    select * from spending
),

fiscal_calendar as (
    select publisher_id, coalesce(max(fiscal_year_start_month), 1) as start_month
    from budget_lines
    group by publisher_id
),

payments as (
    select
        s.publisher_id,
        s.currency,
        year(s.payment_date + to_months((13 - c.start_month) % 12)) as fiscal_year,
        left(s.cofog_code, 2) as cofog_division,
        s.amount
    from payments_source s
    join fiscal_calendar c on c.publisher_id = s.publisher_id
),

by_chapter_function as (
    select
        'chapter_function' as view,
        publisher_id,
        fiscal_year,
        fiscal_period,
        phase,
        currency,
        direction,
        section,
        is_real,
        chapter_code,
        max(chapter_label) as chapter_label,
        functional_code,
        max(functional_label) as functional_label,
        max(cofog_code) as cofog_code,
        count(*) as budget_lines,
        sum(amount) as budget_amount,
        sum(amount_voted) as amount_voted,
        sum(amount_open) as amount_open,
        sum(amount_executed) as amount_executed
    from budget_lines
    group by publisher_id, fiscal_year, fiscal_period, phase, currency, direction, section, is_real,
             chapter_code, functional_code
),

years_with_both as (
    select distinct b.publisher_id, b.fiscal_year, b.phase
    from budget_lines b
    where b.direction = 'expenditure' and b.fiscal_period is null
      and exists (select 1 from payments p
                  where p.publisher_id = b.publisher_id and p.fiscal_year = b.fiscal_year)
),

budget_by_cofog as (
    select
        publisher_id, fiscal_year, phase, currency, cofog_division,
        count(*) as budget_lines,
        sum(amount) as budget_amount,
        sum(amount_voted) as amount_voted,
        sum(amount_open) as amount_open,
        sum(amount_executed) as amount_executed
    from budget_lines
    where direction = 'expenditure' and is_real_operation and fiscal_period is null
    group by publisher_id, fiscal_year, phase, currency, cofog_division
),

payments_by_cofog as (
    select
        publisher_id, fiscal_year, currency, cofog_division,
        count(*) as payments,
        sum(amount) as payments_amount
    from payments
    group by publisher_id, fiscal_year, currency, cofog_division
),

cofog_keys as (
    select b.publisher_id, b.fiscal_year, b.phase, b.currency, b.cofog_division
    from budget_by_cofog b
    join years_with_both y using (publisher_id, fiscal_year, phase)
    union
    select y.publisher_id, y.fiscal_year, y.phase, p.currency, p.cofog_division
    from payments_by_cofog p
    join years_with_both y using (publisher_id, fiscal_year)
),

by_cofog as (
    select
        'cofog' as view,
        k.publisher_id,
        k.fiscal_year,
        cast(null as varchar) as fiscal_period,
        k.phase,
        k.currency,
        'expenditure' as direction,
        cast(null as varchar) as section,
        true as is_real,
        cast(null as varchar) as chapter_code,
        cast(null as varchar) as chapter_label,
        cast(null as varchar) as functional_code,
        cast(null as varchar) as functional_label,
        k.cofog_division as cofog_code,
        coalesce(b.budget_lines, 0) as budget_lines,
        b.budget_amount,
        b.amount_voted,
        b.amount_open,
        b.amount_executed,
        coalesce(p.payments, 0) as payments,
        p.payments_amount
    from cofog_keys k
    left join budget_by_cofog b
        on b.publisher_id = k.publisher_id and b.fiscal_year = k.fiscal_year and b.phase = k.phase
       and b.currency = k.currency and b.cofog_division is not distinct from k.cofog_division
    left join payments_by_cofog p
        on p.publisher_id = k.publisher_id and p.fiscal_year = k.fiscal_year
       and p.currency = k.currency and p.cofog_division is not distinct from k.cofog_division
),

combined as (
    select *, cast(null as bigint) as payments, cast(null as decimal(18, 2)) as payments_amount
    from by_chapter_function
    union all by name
    select * from by_cofog
),

final as (
    select
        c.view,
        c.publisher_id,
        c.fiscal_year,
        c.fiscal_period,
        c.phase,
        c.currency,
        c.direction,
        c.section,
        c.is_real,
        c.chapter_code,
        c.chapter_label,
        c.functional_code,
        c.functional_label,
        c.cofog_code,
        cf.label_en as cofog_label,
        c.budget_lines,
        cast(c.budget_amount as decimal(18, 2)) as budget_amount,
        cast(c.amount_voted as decimal(18, 2)) as amount_voted,
        cast(c.amount_open as decimal(18, 2)) as amount_open,
        cast(c.amount_executed as decimal(18, 2)) as amount_executed,
        cast(c.amount_executed / nullif(c.amount_open, 0) as decimal(18, 4)) as execution_rate,
        cast(c.amount_executed / nullif(c.amount_voted, 0) as decimal(18, 4)) as execution_rate_voted,
        c.payments,
        cast(c.payments_amount as decimal(18, 2)) as payments_amount,
        case when c.view = 'cofog'
             then cast(coalesce(c.budget_amount, 0) - coalesce(c.payments_amount, 0) as decimal(18, 2))
        end as remainder_amount,
        cast(c.payments_amount / nullif(c.budget_amount, 0) as decimal(18, 4)) as paid_rate
    from combined c
    left join cofog cf on cf.cofog_code = c.cofog_code
)

select * from final
order by view, publisher_id, fiscal_year, fiscal_period nulls first, phase, currency, direction,
         section, is_real, chapter_code, functional_code, cofog_code nulls last
