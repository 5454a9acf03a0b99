-- One source file's rows for stg_{dataset}: cells cleaned, non-record rows told apart, fields typed.
-- Built from the profile by etl/transform.py; the placeholders hold generated column expressions.
with source as (
    select * from {raw_table}
),

cleaned as (
    select
        *,
        {cleaned_columns}
    from (select *, {row_may_need_cleaning} as _row_may_need_cleaning from source)
),

classified as (
    select
        *,
        case
            when {is_blank_row} then 'blank'
            {skip_cases}
            else 'record'
        end as row_kind
    from cleaned
),

final as (
    select
        {file_index} as source_file_index,
        source_line,
        row_kind,
        {extra_cell} as extra_cell,
        {missing_cell} as missing_cell,
        {field_columns}
    from classified
)

select * from final
