-- The evidence locker: items (content-addressed by SHA-256, immutable), their append-only chain
-- of custody, legal hold on cases, and the timeline kinds the later capabilities record.

alter table case_event drop constraint case_event_kind_check;
alter table case_event add constraint case_event_kind_check check (kind in ('case_opened',
    'note', 'alert_linked', 'observable_added', 'task_added', 'task_done', 'status_change',
    'case_updated', 'escalation', 'evidence_added', 'custom', 'evidence_custody',
    'evidence_integrity', 'legal_hold', 'assignment', 'sla'));

-- A case on legal hold keeps everything: no evidence disposal, no purge, no deletion.
alter table incident_case add column legal_hold bigint not null default 0
    check (legal_hold in (0, 1));

create table evidence (
    evidence_id bigint generated always as identity primary key,
    case_id bigint not null references incident_case (case_id),
    -- Sanitized original name: no directories, no control characters.
    file_name text not null,
    kind text not null check (kind in ('disk_image', 'memory_dump', 'log', 'pcap', 'email',
        'screenshot', 'document', 'malware_sample', 'other')),
    size_bytes bigint not null check (size_bytes >= 0),
    -- Lower-case hex. The content is stored under its SHA-256.
    sha256 text not null,
    sha1 text not null,
    md5 text not null,
    description text not null,
    -- The host or system it was taken from, when it was acquired there, and by whom.
    collected_from text not null,
    acquired_at bigint,
    collected_by text not null,
    -- Custody state, changed only together with a custody_event row.
    custodian text not null,
    sealed bigint not null check (sealed in (0, 1)),
    -- 'mismatch' once a read found content that no longer matches the hashes.
    integrity text not null check (integrity in ('intact', 'mismatch')),
    integrity_checked_at bigint,
    disposal text not null check (disposal in ('none', 'requested', 'disposed')),
    disposal_requested_by_user_id bigint references app_user (user_id),
    uploaded_by text not null,
    uploaded_by_user_id bigint references app_user (user_id),
    uploaded_at bigint not null
);
create index evidence_case on evidence (case_id, evidence_id);
create index evidence_sha256 on evidence (sha256);

-- What an item is, once recorded, never changes; records are never deleted.
create function evidence_guard() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        raise exception 'evidence records are never deleted; dispose of the item instead';
    end if;
    if (new.case_id, new.file_name, new.kind, new.size_bytes, new.sha256, new.sha1, new.md5,
        new.uploaded_at) is distinct from (old.case_id, old.file_name, old.kind, old.size_bytes,
        old.sha256, old.sha1, old.md5, old.uploaded_at) then
        raise exception 'evidence content and hashes are immutable';
    end if;
    return new;
end $$;
create trigger evidence_guard before update or delete on evidence
    for each row execute function evidence_guard();

create table custody_event (
    custody_event_id bigint generated always as identity primary key,
    evidence_id bigint not null references evidence (evidence_id),
    case_id bigint not null references incident_case (case_id),
    action text not null check (action in ('collected', 'received', 'transferred', 'downloaded',
        'exported', 'hash_verified', 'hash_mismatch', 'sealed', 'unsealed', 'disposal_requested',
        'disposal_rejected', 'disposed')),
    -- When it happened (a physical hand-over may be recorded later) and when it was recorded.
    occurred_at bigint not null,
    from_party text,
    to_party text,
    reason text not null,
    -- JSON object: format of a download, the hashes found on a mismatch, and the like.
    detail text not null,
    recorded_by text not null,
    recorded_by_user_id bigint references app_user (user_id),
    recorded_from_ip text,
    recorded_at bigint not null
);
create index custody_event_item on custody_event (evidence_id, custody_event_id);
create index custody_event_case on custody_event (case_id, custody_event_id);

create function custody_event_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'the chain of custody is append-only';
end $$;
create trigger custody_event_append_only before update or delete on custody_event
    for each row execute function custody_event_append_only();
