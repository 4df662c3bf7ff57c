-- Cases: the investigation record, its append-only timeline, observables, tasks and task logs,
-- and the link from alerts to the case they were escalated or merged into.

create table incident_case (
    case_id bigint generated always as identity primary key,
    -- CF-YYYY-NNNNNN, from case_number_counter in the opening transaction.
    number text not null unique,
    title text not null,
    description text not null,
    -- 1 info, 2 low, 3 medium, 4 high, 5 critical (as alerts).
    severity bigint not null check (severity between 1 and 5),
    -- NIST SP 800-61 phases.
    status text not null check (status in ('new', 'triage', 'investigating', 'contained',
        'eradicated', 'recovered', 'closed')),
    tier bigint not null check (tier between 1 and 3),
    assignee_id bigint references app_user (user_id),
    tlp bigint not null check (tlp between 0 and 4),
    pap bigint not null check (pap between 0 and 4),
    -- JSON array of strings.
    tags text not null,
    detection_source text not null,
    closure_verdict text check (closure_verdict in ('true_positive_with_impact',
        'true_positive_without_impact', 'false_positive', 'benign', 'duplicate')),
    closure_summary text,
    -- Raised by every edit; an edit based on an older version is refused (no lost updates).
    version bigint not null,
    opened_at bigint not null,
    closed_at bigint,
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null,
    check ((status = 'closed') = (closure_verdict is not null))
);
create index incident_case_status on incident_case (status, case_id desc);

alter table alert add column case_id bigint references incident_case (case_id);
create index alert_case on alert (case_id);

-- The timeline: append-only. A correction is a new event naming the one it supersedes.
create table case_event (
    event_id bigint generated always as identity primary key,
    case_id bigint not null references incident_case (case_id),
    kind text not null check (kind in ('case_opened', 'note', 'alert_linked', 'observable_added',
        'task_added', 'task_done', 'status_change', 'case_updated', 'escalation', 'evidence_added',
        'custom')),
    -- When it happened (entered by the analyst or the time of the action) and when recorded.
    occurred_at bigint not null,
    summary text not null,
    -- Markdown source for notes; empty otherwise.
    body text not null,
    -- JSON object: what the event refers to (alert id, observable, task, before/after, …).
    detail text not null,
    -- JSON arrays of strings: ATT&CK technique ids and tags.
    techniques text not null,
    tags text not null,
    supersedes_event_id bigint references case_event (event_id),
    recorded_by text not null,
    recorded_by_user_id bigint references app_user (user_id),
    recorded_at bigint not null
);
create index case_event_timeline on case_event (case_id, occurred_at, event_id);

create table case_observable (
    case_observable_id bigint generated always as identity primary key,
    case_id bigint not null references incident_case (case_id),
    data_type text not null,
    value text not null,
    description text not null,
    -- JSON array of strings.
    tags text not null,
    ioc bigint not null check (ioc in (0, 1)),
    tlp bigint not null check (tlp between 0 and 4),
    -- The alert it came from, if any.
    alert_id bigint references alert (alert_id),
    first_seen_at bigint not null,
    last_seen_at bigint not null,
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null,
    unique (case_id, data_type, value)
);
create index case_observable_value on case_observable (data_type, value);

create table case_task (
    task_id bigint generated always as identity primary key,
    case_id bigint not null references incident_case (case_id),
    title text not null,
    description text not null,
    -- Playbook section, e.g. 'containment'.
    group_name text not null,
    status text not null check (status in ('todo', 'in_progress', 'done', 'blocked')),
    assignee_id bigint references app_user (user_id),
    due_at bigint,
    completed_at bigint,
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index case_task_case on case_task (case_id, task_id);

create table task_log (
    task_log_id bigint generated always as identity primary key,
    task_id bigint not null references case_task (task_id),
    message text not null,
    created_by text not null,
    created_at bigint not null
);
create index task_log_task on task_log (task_id, task_log_id);
