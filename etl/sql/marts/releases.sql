-- Release bookkeeping: what each release published, from which files, what it changed.
-- Rows are only ever added: a release is immutable, a rollback is a new release.
create table if not exists releases (
    release_id      varchar primary key,
    seq             integer not null,          -- order of publication in this home
    kind            varchar not null,          -- publish | rollback
    rolls_back_to   varchar,
    published_at    timestamp not null,        -- UTC
    publisher_id    varchar not null,
    dataset         varchar not null,
    periods         varchar[] not null,
    profile_sha256  varchar not null,
    tool_version    varchar not null,
    rows_read       bigint not null,
    rows_loaded     bigint not null,
    rows_rejected   bigint not null,
    rows_redacted   bigint not null
);

-- The redaction state each release was made under (redact.state_digest: the policy and a person's
-- decisions) and the rows it redacted per reason code.
create table if not exists release_redaction (
    release_id      varchar primary key,
    state_sha256    varchar not null,
    redacted        json not null               -- {"source-marker": 712, ...}
);

-- The private redaction state a release was made under (decisions, register, the names it
-- redacted), archived by sha256 like its sources: a rebuild redacts as that release did.
create table if not exists release_decisions (
    release_id      varchar primary key,
    sha256          varchar not null
);

-- The reference files a release's validation read (a profile's code lists, by profile key),
-- archived by sha256 like its sources, so that a replay reads them as they were.
create table if not exists release_references (
    release_id      varchar not null,
    profile_key     varchar not null,          -- validation.code_lists.<field>
    file_name       varchar not null,
    sha256          varchar not null
);

-- The baseline a release's outlier check compared amounts with, per currency (none when the
-- check did not run or no currency had enough history): a replay compares with it again.
create table if not exists release_outlier_baselines (
    release_id      varchar not null,
    currency        varchar not null,
    usual           decimal(18, 2) not null,   -- the quantile of past absolute amounts
    history         bigint not null            -- how many past payments it came from
);

create table if not exists release_sources (
    release_id      varchar not null,
    file_name       varchar not null,
    sha256          varchar not null,
    bytes           bigint not null,
    encoding        varchar not null,
    period          varchar not null,
    header_line     integer not null,
    rows_read       bigint not null,
    rows_loaded     bigint not null,
    control_total   decimal(18, 2)
);

create table if not exists release_totals (
    release_id      varchar not null,
    period          varchar not null,
    currency        varchar not null,
    payments        bigint not null,
    total           decimal(18, 2) not null
);

-- The complete state of a publisher's dataset after each release: which source (and profile)
-- each period's rows come from, and which release produced them. Enough to rebuild any release.
create table if not exists release_state (
    release_id      varchar not null,
    publisher_id    varchar not null,
    dataset         varchar not null,
    period          varchar not null,
    source_name     varchar not null,
    source_sha256   varchar not null,
    profile_sha256  varchar not null,
    row_release_id  varchar not null
);

-- What a re-published period changed against the previous release of that period.
create table if not exists release_period_changes (
    release_id          varchar not null,
    period              varchar not null,
    previous_release_id varchar not null,
    matched_by          varchar not null,      -- transaction_id | fingerprint
    rows_before         bigint not null,
    rows_after          bigint not null,
    added               bigint not null,
    removed             bigint not null,
    changed             bigint not null
);

-- Rows published by an earlier release that this one redacted (a name it redacts, or one
-- confirmed as a person since), per period: that period's package changed with this release.
create table if not exists release_redacted_published (
    release_id      varchar not null,
    period          varchar not null,
    rows            bigint not null
);

create table if not exists release_changes (
    release_id      varchar not null,
    period          varchar not null,
    change          varchar not null,          -- added | removed | changed
    match_key       varchar,                   -- the transaction id; null when matched by content (a hash of
                                               -- content would let anyone test a guessed redacted name)
    line_before     bigint,
    line_after      bigint,
    fields_changed  varchar[],
    amount_before   decimal(18, 2),
    amount_after    decimal(18, 2)
);

-- Every package file as it stood after each release (rebuild checks itself against these).
create table if not exists release_packages (
    release_id      varchar not null,
    package         varchar not null,
    path            varchar not null,
    bytes           bigint not null,
    sha256          varchar not null
);

create table if not exists publishers (
    publisher_id    varchar primary key,
    publisher_name  varchar not null,
    country         varchar,
    url             varchar,
    population      bigint,
    population_year integer
);

-- The functional tree of the chart of accounts a publisher's budget is labelled from (M14:
-- 2 > 20), as of its latest budget publish with a chart. The app names a function by its
-- parent where labels repeat: "Services communs" is a function of nearly every M14 domain.
create table if not exists functional_tree (
    publisher_id      varchar not null,
    functional_code   varchar not null,
    functional_label  varchar,
    parent_code       varchar,
    primary key (publisher_id, functional_code)
);
