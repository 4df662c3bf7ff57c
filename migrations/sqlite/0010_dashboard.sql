-- The manager dashboard's aggregates, and the retention job's index.

-- Retention looks only at closed alerts whose payload is still kept (replaces the index of
-- 0009, which kept finding purged alerts again).
drop index alert_closed_at;
create index alert_payload_due on alert (verdict_at) where status = 'closed' and raw_purged_at is null;

-- The manager dashboard's aggregates. Cases are counted by the UTC day they were opened and
-- alerts by the UTC day they arrived; a background job recomputes only the days whose rows
-- changed since its last run, so a dashboard over a year reads a few thousand rows, never
-- every case or alert.

create table case_day_stats (
    -- Days since 1970-01-01 (UTC).
    day integer not null,
    severity integer not null,
    tier integer not null,
    opened integer not null,
    -- Cases whose acknowledge / contain clock was met, and the sum of those clocks' spans.
    acknowledged integer not null,
    acknowledge_ms integer not null,
    contained integer not null,
    contain_ms integer not null,
    -- Closed cases and the sum of their open-to-close spans.
    resolved integer not null,
    resolve_ms integer not null,
    -- SLA clocks of these cases met in time / breached (all three kinds).
    sla_met integer not null,
    sla_breached integer not null,
    primary key (day, severity, tier)
);

create table alert_day_stats (
    day integer not null,
    source text not null,
    rule text not null,
    received integer not null,
    true_positive integer not null,
    false_positive integer not null,
    benign integer not null,
    duplicate integer not null,
    primary key (day, source, rule)
);

-- One row: rows updated at or after `changed_since` are not folded in yet.
create table dashboard_refresh (
    id integer primary key check (id = 1),
    changed_since integer not null,
    refreshed_at integer not null
);
insert into dashboard_refresh (id, changed_since, refreshed_at) values (1, 0, 0);

-- The refresh finds changed rows by their update time.
create index incident_case_updated on incident_case (updated_at);
create index alert_updated on alert (updated_at);
create index sla_clock_updated on sla_clock (updated_at);
-- Open cases by status, severity and tier, and per assignee, without reading closed cases.
create index incident_case_open on incident_case (status, severity, tier) where status <> 'closed';
create index incident_case_open_assignee on incident_case (assignee_id) where status <> 'closed';
-- A day's alerts for the recount.
create index alert_created on alert (created_at);
