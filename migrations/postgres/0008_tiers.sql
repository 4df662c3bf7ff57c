-- Tiers at work: assignment queues, escalations between tiers, SLA policy and clocks,
-- notifications, the outbox for webhooks and e-mail with its delivery log, and shift handovers.

-- Where notification e-mails go (optional).
alter table app_user add column email text;

create index incident_case_queue on incident_case (tier, assignee_id, case_id);
create index incident_case_assignee on incident_case (assignee_id, case_id);
create index case_task_assignee on case_task (assignee_id, status, due_at);
create index alert_assignee on alert (assignee_id, status);
-- The shift handover's ranges: opened, closed, escalated during a shift; open tasks by due date.
create index incident_case_opened on incident_case (opened_at);
create index incident_case_closed on incident_case (closed_at);
create index case_task_open on case_task (status, due_at);

-- A move of a case between tiers. Up or down, it waits in the target tier's queue until an
-- analyst of that tier accepts it (time to accept = decided_at - requested_at) or returns it.
create table case_escalation (
    escalation_id bigint generated always as identity primary key,
    case_id bigint not null references incident_case (case_id),
    from_tier bigint not null check (from_tier between 1 and 3),
    to_tier bigint not null check (to_tier between 1 and 3),
    direction text not null check (direction in ('up', 'down')),
    reason text not null,
    -- What was checked, what remains, suggested next steps.
    handover_note text not null,
    -- The assignee before the move; a returned case goes back to them.
    previous_assignee_id bigint references app_user (user_id),
    -- Raised by an SLA breach rather than a person. A newer move of the same case supersedes a
    -- pending one nobody took.
    automatic boolean not null,
    state text not null check (state in ('pending', 'accepted', 'returned', 'superseded')),
    requested_by text not null,
    requested_by_user_id bigint references app_user (user_id),
    requested_at bigint not null,
    decided_by text,
    decided_by_user_id bigint references app_user (user_id),
    decided_at bigint,
    return_reason text,
    created_at bigint not null,
    updated_at bigint not null,
    check (from_tier <> to_tier),
    check ((state = 'pending') = (decided_at is null))
);
create index case_escalation_case on case_escalation (case_id, escalation_id);
create index case_escalation_requested on case_escalation (requested_at);
create unique index case_escalation_one_pending on case_escalation (case_id) where state = 'pending';

-- Minutes allowed per severity (1 info … 5 critical) for each clock.
create table sla_policy (
    severity bigint primary key check (severity between 1 and 5),
    acknowledge_minutes bigint not null check (acknowledge_minutes between 1 and 525600),
    contain_minutes bigint not null check (contain_minutes between 1 and 525600),
    resolve_minutes bigint not null check (resolve_minutes between 1 and 525600),
    updated_by text not null,
    created_at bigint not null,
    updated_at bigint not null
);
insert into sla_policy (severity, acknowledge_minutes, contain_minutes, resolve_minutes, updated_by,
        created_at, updated_at) values
    (5, 15, 240, 1440, 'system:default', 0, 0),
    (4, 30, 480, 4320, 'system:default', 0, 0),
    (3, 120, 1440, 10080, 'system:default', 0, 0),
    (2, 480, 4320, 20160, 'system:default', 0, 0),
    (1, 1440, 10080, 43200, 'system:default', 0, 0);

-- One clock per case and kind. A pause moves due_at and warn_at later by its length on resume.
create table sla_clock (
    case_id bigint not null references incident_case (case_id),
    kind text not null check (kind in ('acknowledge', 'contain', 'resolve')),
    budget_ms bigint not null,
    started_at bigint not null,
    due_at bigint not null,
    -- When the clock turns amber: a quarter of the budget before due.
    warn_at bigint not null,
    paused_at bigint,
    pause_reason text,
    met_at bigint,
    warned_at bigint,
    breached_at bigint,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (case_id, kind)
);
create index sla_clock_due on sla_clock (due_at) where met_at is null and breached_at is null;
create index sla_clock_warn on sla_clock (warn_at) where met_at is null and warned_at is null;

create table notification (
    notification_id bigint generated always as identity primary key,
    user_id bigint not null references app_user (user_id),
    kind text not null check (kind in ('assigned', 'escalated_to_tier', 'returned',
        'sla_near_breach', 'sla_breached', 'handover')),
    title text not null,
    -- Where the notification leads, a path inside Casefile.
    link text not null,
    case_id bigint references incident_case (case_id),
    read_at bigint,
    created_at bigint not null
);
create index notification_inbox on notification (user_id, notification_id);
create index notification_unread on notification (user_id, read_at, notification_id);

create table webhook (
    webhook_id bigint generated always as identity primary key,
    name text not null unique,
    url text not null,
    -- HMAC-SHA256 key; shown once when created.
    secret text not null,
    -- JSON array of audit action patterns ("case.escalated", "case.*"); empty means all.
    events text not null,
    enabled boolean not null,
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null
);

-- Written in the transaction of the change it reports, so nothing is lost on restart.
create table outbox (
    delivery_id bigint generated always as identity primary key,
    channel text not null check (channel in ('webhook', 'email')),
    webhook_id bigint references webhook (webhook_id),
    -- E-mail address for the email channel.
    recipient text,
    subject text,
    payload text not null,
    state text not null check (state in ('pending', 'delivered', 'failed')),
    attempts bigint not null,
    next_attempt_at bigint not null,
    last_error text,
    delivered_at bigint,
    created_at bigint not null,
    updated_at bigint not null,
    check ((channel = 'webhook') = (webhook_id is not null)),
    check ((channel = 'email') = (recipient is not null))
);
create index outbox_due on outbox (state, next_attempt_at);
create index outbox_webhook on outbox (webhook_id, delivery_id);

create table delivery_attempt (
    attempt_id bigint generated always as identity primary key,
    delivery_id bigint not null references outbox (delivery_id),
    attempted_at bigint not null,
    -- HTTP status (webhooks) or SMTP reply code.
    status_code bigint,
    error text,
    duration_ms bigint not null
);
create index delivery_attempt_delivery on delivery_attempt (delivery_id, attempt_id);

-- Shifts in UTC: start minute after midnight and length.
create table shift (
    shift_id bigint generated always as identity primary key,
    name text not null unique,
    start_minute bigint not null check (start_minute between 0 and 1439),
    duration_minutes bigint not null check (duration_minutes between 60 and 1440),
    created_at bigint not null,
    updated_at bigint not null
);
insert into shift (name, start_minute, duration_minutes, created_at, updated_at) values
    ('Early', 360, 480, 0, 0), ('Late', 840, 480, 0, 0), ('Night', 1320, 480, 0, 0);

create table handover (
    handover_id bigint generated always as identity primary key,
    shift_name text not null,
    shift_start bigint not null,
    shift_end bigint not null,
    -- JSON: the prefilled summary as written, kept as the outgoing analyst saw it.
    summary text not null,
    notes text not null,
    written_by text not null,
    written_by_user_id bigint references app_user (user_id),
    written_at bigint not null,
    acknowledged_by text,
    acknowledged_by_user_id bigint references app_user (user_id),
    acknowledged_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);

create index handover_open on handover (acknowledged_at, handover_id);
