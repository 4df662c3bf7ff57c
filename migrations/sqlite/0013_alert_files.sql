-- The content of files that arrive with an alert (TheHive file observables and attachments),
-- kept in the evidence locker: each row holds one reference to its blob (evidence_content),
-- given back when the alert is deleted. When the alert is escalated or merged, each file
-- becomes evidence of the case, its custody starting with the forwarder that sent it.
create table alert_file (
    alert_file_id integer primary key,
    alert_id integer not null references alert (alert_id) on delete cascade,
    file_name text not null,
    sha256 text not null,
    sha1 text not null,
    md5 text not null,
    size_bytes integer not null,
    created_by text not null,
    created_at integer not null,
    unique (alert_id, sha256, file_name)
);
