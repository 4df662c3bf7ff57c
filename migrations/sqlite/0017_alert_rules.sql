-- Alert rules: noise control run on every arriving alert, in `position` order, inside the
-- intake transaction. A rule matches on source, detection rule, severity, tags, title,
-- observable values and custom fields (`conditions`, JSON), and then suppresses the alert
-- (closed at once with a verdict and a reason, until `expires_at`), routes it (severity,
-- assignee, tags, custom fields) or escalates it into a case from a template
-- (`action_detail`, JSON). Rules are disabled, never deleted: suppressed alerts name theirs.
create table alert_rule (
    rule_id integer primary key,
    name text not null unique,
    description text not null,
    position integer not null,
    enabled integer not null check (enabled in (0, 1)),
    action text not null check (action in ('suppress', 'route', 'escalate')),
    conditions text not null,
    action_detail text not null,
    -- Required for suppressions: a suppression never lives forever unnoticed.
    expires_at integer,
    -- Kept by intake, so the rules page never counts alerts.
    matched_count integer not null,
    last_matched_at integer,
    version integer not null,
    created_by text not null,
    created_at integer not null,
    updated_at integer not null
);

alter table alert add column suppressed_by_rule_id integer references alert_rule (rule_id);
create index alert_suppressed on alert (suppressed_by_rule_id, alert_id)
    where suppressed_by_rule_id is not null;
