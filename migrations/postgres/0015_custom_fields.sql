-- Custom fields: what a SOC records that Casefile has no column for (business unit, the
-- service-desk ticket, the regulator notified).
--
-- Definitions are rows administrators keep; values are one row per (case or alert, field),
-- not JSON on the case: a list filtered by a field reads an index on (field, value, id) and
-- pages by id, and a definition's type is checked once, on write. Each value is kept as the
-- API shows it (`value`, JSON) and, for filters, as a short key (string, enum, boolean; at
-- most 255 characters, which any index holds) or a number (integer, float, date in Unix
-- milliseconds). Text and URL values are not indexed.
create table custom_field (
    field_id bigint generated always as identity primary key,
    -- The machine name integrations send; never changes, never reused.
    name text not null unique,
    label text not null,
    description text not null,
    field_type text not null check (field_type in ('string', 'text', 'integer', 'float',
        'boolean', 'date', 'url', 'enum')),
    -- JSON array of an enum's options.
    options text not null,
    on_cases bigint not null check (on_cases in (0, 1)),
    on_alerts bigint not null check (on_alerts in (0, 1)),
    mandatory text not null check (mandatory in ('never', 'on_open', 'before_close')),
    -- JSON of the default value, or null.
    default_value text,
    position bigint not null,
    -- Retired fields are hidden from forms; their values stay. Fields are never deleted.
    retired_at bigint,
    version bigint not null,
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null
);

create table case_field_value (
    case_id bigint not null references incident_case (case_id),
    field_id bigint not null references custom_field (field_id),
    value text not null,
    value_key text,
    value_number double precision,
    updated_at bigint not null,
    primary key (case_id, field_id)
);
create index case_field_value_key on case_field_value (field_id, value_key, case_id);
create index case_field_value_number on case_field_value (field_id, value_number, case_id);

create table alert_field_value (
    alert_id bigint not null references alert (alert_id) on delete cascade,
    field_id bigint not null references custom_field (field_id),
    value text not null,
    value_key text,
    value_number double precision,
    updated_at bigint not null,
    primary key (alert_id, field_id)
);
create index alert_field_value_key on alert_field_value (field_id, value_key, alert_id);
create index alert_field_value_number on alert_field_value (field_id, value_number, alert_id);
