-- The evidence locker: items (content-addressed by SHA-256, immutable), their append-only chain
-- of custody, legal hold on cases, and the timeline kinds the later capabilities record.

-- SQLite cannot alter a CHECK constraint, so case_event is rebuilt with the kinds added. This
-- runs inside sqlx's transaction with foreign keys on, so the rows are parked in temporary
-- tables while case_event and the one table referring to it (event_technique) are recreated;
-- deferred foreign keys let the reinserted rows satisfy their references by commit.
pragma defer_foreign_keys = on;
create temp table case_event_parked as select * from case_event;
create temp table event_technique_parked as select * from event_technique;
drop table event_technique;
drop table case_event;

create table case_event (
    event_id integer primary key,
    case_id integer not null references incident_case (case_id),
    kind text not null check (kind in ('case_opened', 'note', 'alert_linked', 'observable_added',
        'task_added', 'task_done', 'status_change', 'case_updated', 'escalation', 'evidence_added',
        'custom', 'evidence_custody', 'evidence_integrity', 'legal_hold', 'assignment', 'sla')),
    -- When it happened (entered by the analyst or the time of the action) and when recorded.
    occurred_at integer not null,
    summary text not null,
    -- Markdown source for notes; empty otherwise.
    body text not null,
    -- JSON object: what the event refers to (alert id, observable, task, before/after, …).
    detail text not null,
    -- JSON arrays of strings: ATT&CK technique ids and tags.
    techniques text not null,
    tags text not null,
    supersedes_event_id integer references case_event (event_id),
    recorded_by text not null,
    recorded_by_user_id integer references app_user (user_id),
    recorded_at integer not null
);
insert into case_event
    select event_id, case_id, kind, occurred_at, summary, body, detail, techniques, tags,
           supersedes_event_id, recorded_by, recorded_by_user_id, recorded_at
    from case_event_parked order by event_id;
create index case_event_timeline on case_event (case_id, occurred_at, event_id);
create index case_event_supersedes on case_event (supersedes_event_id, event_id);

create table event_technique (
    event_id integer not null references case_event (event_id),
    case_id integer not null references incident_case (case_id),
    technique_id text not null,
    tactic text not null,
    primary key (event_id, technique_id, tactic)
);
insert into event_technique
    select event_id, case_id, technique_id, tactic from event_technique_parked;
create index event_technique_case on event_technique (case_id, tactic, technique_id);
drop table case_event_parked;
drop table event_technique_parked;

-- A case on legal hold keeps everything: no evidence disposal, no purge, no deletion.
alter table incident_case add column legal_hold integer not null default 0
    check (legal_hold in (0, 1));

create table evidence (
    evidence_id integer primary key,
    case_id integer not null references incident_case (case_id),
    -- Sanitized original name: no directories, no control characters.
    file_name text not null,
    kind text not null check (kind in ('disk_image', 'memory_dump', 'log', 'pcap', 'email',
        'screenshot', 'document', 'malware_sample', 'other')),
    size_bytes integer not null check (size_bytes >= 0),
    -- Lower-case hex. The content is stored under its SHA-256.
    sha256 text not null,
    sha1 text not null,
    md5 text not null,
    description text not null,
    -- The host or system it was taken from, when it was acquired there, and by whom.
    collected_from text not null,
    acquired_at integer,
    collected_by text not null,
    -- Custody state, changed only together with a custody_event row.
    custodian text not null,
    sealed integer not null check (sealed in (0, 1)),
    -- 'mismatch' once a read found content that no longer matches the hashes.
    integrity text not null check (integrity in ('intact', 'mismatch')),
    integrity_checked_at integer,
    disposal text not null check (disposal in ('none', 'requested', 'disposed')),
    disposal_requested_by_user_id integer references app_user (user_id),
    uploaded_by text not null,
    uploaded_by_user_id integer references app_user (user_id),
    uploaded_at integer not null
);
create index evidence_case on evidence (case_id, evidence_id);
create index evidence_sha256 on evidence (sha256);

-- What an item is, once recorded, never changes.
create trigger evidence_content_immutable before update on evidence
when new.case_id is not old.case_id or new.file_name is not old.file_name
    or new.kind is not old.kind or new.size_bytes is not old.size_bytes
    or new.sha256 is not old.sha256 or new.sha1 is not old.sha1 or new.md5 is not old.md5
    or new.uploaded_at is not old.uploaded_at
begin
    select raise(abort, 'evidence content and hashes are immutable');
end;
create trigger evidence_no_delete before delete on evidence
begin
    select raise(abort, 'evidence records are never deleted; dispose of the item instead');
end;

create table custody_event (
    custody_event_id integer primary key,
    evidence_id integer not null references evidence (evidence_id),
    case_id integer not null references incident_case (case_id),
    action text not null check (action in ('collected', 'received', 'transferred', 'downloaded',
        'exported', 'hash_verified', 'hash_mismatch', 'sealed', 'unsealed', 'disposal_requested',
        'disposal_rejected', 'disposed')),
    -- When it happened (a physical hand-over may be recorded later) and when it was recorded.
    occurred_at integer not null,
    from_party text,
    to_party text,
    reason text not null,
    -- JSON object: format of a download, the hashes found on a mismatch, and the like.
    detail text not null,
    recorded_by text not null,
    recorded_by_user_id integer references app_user (user_id),
    recorded_from_ip text,
    recorded_at integer not null
);
create index custody_event_item on custody_event (evidence_id, custody_event_id);
create index custody_event_case on custody_event (case_id, custody_event_id);

create trigger custody_event_no_update before update on custody_event
begin
    select raise(abort, 'the chain of custody is append-only');
end;
create trigger custody_event_no_delete before delete on custody_event
begin
    select raise(abort, 'the chain of custody is append-only');
end;

