-- Alert rules: noise control run on every arriving alert, in `position` order, inside the
-- intake transaction. A rule matches on source, detection rule, severity, tags, title,
-- observable values and custom fields (`conditions`, JSON), and then suppresses the alert
-- (closed at once with a verdict and a reason, until `expires_at`), routes it (severity,
-- assignee, tags, custom fields) or escalates it into a case from a template
-- (`action_detail`, JSON). Rules are disabled, never deleted: suppressed alerts name theirs.
create table alert_rule (
    rule_id bigint generated always as identity primary key,
    name text not null unique,
    description text not null,
    position bigint not null,
    enabled bigint not null check (enabled in (0, 1)),
    action text not null check (action in ('suppress', 'route', 'escalate')),
    conditions text not null,
    action_detail text not null,
    -- Required for suppressions: a suppression never lives forever unnoticed.
    expires_at bigint,
    -- Kept by intake, so the rules page never counts alerts.
    matched_count bigint not null,
    last_matched_at bigint,
    version bigint not null,
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null
);

alter table alert add column suppressed_by_rule_id bigint references alert_rule (rule_id);
create index alert_suppressed on alert (suppressed_by_rule_id, alert_id)
    where suppressed_by_rule_id is not null;
