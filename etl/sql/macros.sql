-- Parsing helpers shared by every staging query. Pure functions of one value, so DuckDB runs them
-- vectorised over whole columns.

-- Trim, collapse runs of whitespace (non-breaking spaces included) and turn empty text into NULL.
-- Most cells are clean already: when a cell holds none of the collapsed characters, no double space
-- and no space separator at either end, the rewrite would change nothing, so one search (no new
-- string) decides it. trim() strips every Unicode space separator (\pZ), hence the ends' test.
create or replace macro clean_text(x) as
    case when regexp_matches(x, '[\t\n\f\r\x{00A0}\x{2007}\x{202F}]|  |^\pZ|\pZ$')
         then nullif(trim(regexp_replace(x, '[\s\x{00A0}\x{2007}\x{202F}]+', ' ', 'g')), '')
         else nullif(x, '') end;

-- clean_text's search still costs a regular expression per cell. A row's cells joined by a unit
-- separator (concat_ws(chr(31), ...)) are searched once instead, with byte searches, for anything
-- the search could find in one of them: a character beyond ASCII (every non-ASCII space among
-- them), a collapsed control character, a double space, or a space at a cell's start or end. Only
-- a row found so has its cells searched one by one (53 rows of the benchmark's million).
create or replace macro row_may_need_cleaning(cells) as
    strlen(cells) <> length(cells)
    or contains(cells, '  ') or starts_with(cells, ' ') or ends_with(cells, ' ')
    or contains(cells, chr(31) || ' ') or contains(cells, ' ' || chr(31))
    or contains(cells, chr(9)) or contains(cells, chr(10)) or contains(cells, chr(12)) or contains(cells, chr(13));

create or replace macro clean_cell(x, row_may_need) as
    case when row_may_need then clean_text(x) else nullif(x, '') end;

-- True when a text holds nothing but whitespace. A full match of a character class stops at the
-- first other character, so this costs next to nothing on ordinary rows.
create or replace macro is_blank(x) as
    x is null or regexp_full_match(x, '[\s\x{00A0}\x{2007}\x{202F}]*');

-- A date parsed with a two-digit-year format is kept only when it is plausible for a payment.
create or replace macro plausible_date(d) as
    case when year(d) between 1900 and 2199 then cast(d as date) end;

-- Excel stores dates as days since 1899-12-30 (its 1900 leap-year bug included).
create or replace macro excel_serial_date(x) as
    case when regexp_full_match(x, '[0-9]{5}(\.0+)?')
         then plausible_date(date '1899-12-30' + cast(cast(x as double) as integer)) end;

-- A cleaned amount text ('-1234.5', '+7', '.25') as an exact decimal; anything else is NULL, and
-- so is a number too large for DECIMAL(38, 10) (validation then reports it as a type error).
create or replace macro exact_decimal(x) as
    case when regexp_full_match(x, '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)')
         then try_cast(x as decimal(38, 10)) end;

-- Money keeps its cents exactly: a value with more than two decimals is refused, not rounded, and
-- so is one beyond DECIMAL(18, 2) (16 digits before the point).
create or replace macro money(v) as
    case when v = round(v, 2) then try_cast(v as decimal(18, 2)) end;
