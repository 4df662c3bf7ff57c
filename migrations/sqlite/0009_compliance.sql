-- Compliance: signed audit checkpoints, audit-log filters, alert payload retention and the
-- post-incident review that incident reports carry.

-- A signed statement "the chain's entry `seq` has hash `hash`", made periodically by a
-- background job. Rewriting the chain before a checkpoint cannot be hidden without the key.
create table audit_checkpoint (
    audit_checkpoint_id integer primary key,
    seq integer not null unique,
    hash text not null,
    signed_at integer not null,
    -- Ed25519 public key (hex) that made the signature; verifiers compare it with the key
    -- they trust, never trust it by itself.
    public_key text not null,
    -- Ed25519 signature (hex) over "casefile-audit-checkpoint/1\n{seq}\n{hash}\n{signed_at}".
    signature text not null,
    created_at integer not null
);

-- The audit log page filters by action and actor, newest first.
create index audit_event_action on audit_event (action, seq);
create index audit_event_label on audit_event (actor_label, seq);
create index audit_event_time on audit_event (occurred_at);

-- When the raw payload of a closed alert was purged under the retention period.
alter table alert add column raw_purged_at integer;
-- Retention looks for closed alerts by when they were closed.
create index alert_closed_at on alert (verdict_at) where status = 'closed';

-- The post-incident review: the parts of the incident report people write.
create table case_review (
    case_id integer primary key references incident_case (case_id),
    executive_summary text not null,
    scope_impact text not null,
    what_happened text not null,
    went_well text not null,
    to_improve text not null,
    -- JSON array of {"action", "owner", "due"} (due: YYYY-MM-DD).
    action_items text not null,
    updated_by text not null,
    created_at integer not null,
    updated_at integer not null
);
