-- Release bookkeeping tables of the warehouse: what was published, when, from which files.
create table if not exists releases (
    release_id      varchar primary key,
    published_at    timestamp not null,
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

create table if not exists publishers (
    publisher_id    varchar primary key,
    publisher_name  varchar not null,
    country         varchar,
    url             varchar,
    population      bigint,
    population_year integer
);
