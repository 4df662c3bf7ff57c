-- Alerts from detection tools and their triage.

create table alert (
    alert_id integer primary key,
    -- TheHive's alert type ('external' for native intake); (alert_type, source, source_ref)
    -- identifies an alert across retries, as in TheHive.
    alert_type text not null,
    source text not null,
    source_ref text not null,
    rule text not null,
    title text not null,
    description text not null,
    -- 1 info, 2 low, 3 medium, 4 high, 5 critical.
    severity integer not null check (severity between 1 and 5),
    tlp integer not null check (tlp between 0 and 4),
    pap integer not null check (pap between 0 and 4),
    -- JSON array of strings.
    tags text not null,
    status text not null check (status in ('new', 'in_progress', 'closed')),
    verdict text check (verdict in ('true_positive', 'false_positive', 'benign', 'duplicate')),
    verdict_reason text,
    verdict_at integer,
    assignee_id integer references app_user (user_id),
    occurred_at integer not null,
    first_seen_at integer not null,
    last_seen_at integer not null,
    occurrence_count integer not null,
    -- Who posted it: the token or account label.
    created_by text not null,
    created_at integer not null,
    updated_at integer not null,
    unique (alert_type, source, source_ref)
);
-- The queue: critical first, newest first within a severity.
create index alert_queue on alert (status, severity desc, alert_id desc);
create index alert_queue_all on alert (severity desc, alert_id desc);
-- Rule feedback: verdicts per rule over a period.
create index alert_verdict_at on alert (verdict_at);

-- Raw payloads live apart so queue queries never touch them.
create table alert_raw (
    alert_id integer primary key references alert (alert_id) on delete cascade,
    raw text not null,
    created_at integer not null,
    updated_at integer not null
);

create table alert_observable (
    alert_observable_id integer primary key,
    alert_id integer not null references alert (alert_id) on delete cascade,
    data_type text not null,
    value text not null,
    -- JSON array of strings.
    tags text not null,
    created_at integer not null,
    updated_at integer not null,
    unique (alert_id, data_type, value)
);
create index alert_observable_value on alert_observable (data_type, value);
