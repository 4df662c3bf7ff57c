-- Comments and ATT&CK procedures integrations post on an alert before it is part of a case
-- (TheHive 5's /alert/{id}/comment and /procedures). They are carried onto the case's timeline
-- when the alert is escalated or merged; the alert keeps them.
create table alert_note (
    alert_note_id integer primary key,
    alert_id integer not null references alert (alert_id) on delete cascade,
    kind text not null check (kind in ('comment', 'procedure')),
    -- The comment, or the procedure's description.
    message text not null,
    -- Procedures: the ATT&CK technique and, if given, the tactic; empty for comments.
    technique text not null,
    tactic text not null,
    occurred_at integer not null,
    created_by text not null,
    created_at integer not null
);
create index alert_note_alert on alert_note (alert_id, alert_note_id);
