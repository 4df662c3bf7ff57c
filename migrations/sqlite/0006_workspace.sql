-- The case workspace: playbooks and containment actions on tasks, ATT&CK techniques per
-- timeline event, watchlists, and the full-text search index.

-- Task templates per incident type, applied when a case is opened or later; admins edit them.
create table playbook (
    playbook_id integer primary key,
    name text not null unique,
    incident_type text not null,
    description text not null,
    -- JSON array of {"title", "description", "group", "action"}.
    tasks text not null,
    version integer not null,
    created_by text not null,
    created_at integer not null,
    updated_by text not null,
    updated_at integer not null
);

-- A containment task names its action (isolate_host, block_ip, …); completing it records the
-- asset it was done on.
alter table case_task add column action text;
alter table case_task add column done_on text;

-- Corrections name the event they supersede; the timeline shows which one replaced which.
create index case_event_supersedes on case_event (supersedes_event_id, event_id);

-- One row per (event, technique, tactic): the timeline filter by tactic and the case's
-- techniques-by-tactic summary read this instead of parsing JSON.
create table event_technique (
    event_id integer not null references case_event (event_id),
    case_id integer not null references incident_case (case_id),
    technique_id text not null,
    tactic text not null,
    primary key (event_id, technique_id, tactic)
);
create index event_technique_case on event_technique (case_id, tactic, technique_id);

-- Known-bad values, matched when an observable is added to a case or an alert arrives.
create table watchlist (
    watchlist_id integer primary key,
    name text not null unique,
    description text not null,
    -- Kept by imports, so the admin page never counts entries.
    entry_count integer not null,
    created_by text not null,
    created_at integer not null,
    updated_at integer not null
);
create table watchlist_entry (
    watchlist_id integer not null references watchlist (watchlist_id) on delete cascade,
    data_type text not null,
    value text not null,
    note text not null,
    added_by text not null,
    added_at integer not null,
    primary key (watchlist_id, data_type, value)
);
create index watchlist_entry_value on watchlist_entry (data_type, value);
-- Names of the watchlists a value was on when it was added (null: none).
alter table case_observable add column watchlist text;
alter table alert_observable add column watchlist text;
-- Alerts carrying a watchlisted observable, flagged in the queue.
alter table alert add column watchlist_hit integer not null default 0;

-- Full-text search: one document per case header, timeline event and observable. The FTS5
-- table indexes search_doc's body (external content) and triggers keep the two in step.
create table search_doc (
    doc_id integer primary key,
    case_id integer not null references incident_case (case_id),
    -- 'case', 'event' or 'observable'; ref_id is that row's id.
    kind text not null,
    ref_id integer not null,
    body text not null,
    unique (kind, ref_id)
);
create index search_doc_case on search_doc (case_id);
create virtual table search_fts using fts5(body, content = 'search_doc', content_rowid = 'doc_id',
    tokenize = 'porter unicode61');
create trigger search_doc_ai after insert on search_doc begin
    insert into search_fts (rowid, body) values (new.doc_id, new.body);
end;
create trigger search_doc_ad after delete on search_doc begin
    insert into search_fts (search_fts, rowid, body) values ('delete', old.doc_id, old.body);
end;
create trigger search_doc_au after update on search_doc begin
    insert into search_fts (search_fts, rowid, body) values ('delete', old.doc_id, old.body);
    insert into search_fts (rowid, body) values (new.doc_id, new.body);
end;

insert into search_doc (case_id, kind, ref_id, body)
    select case_id, 'case', case_id, number || ' ' || title || ' ' || description || ' ' || tags
    from incident_case;
insert into search_doc (case_id, kind, ref_id, body)
    select case_id, 'event', event_id, summary || ' ' || body from case_event;
insert into search_doc (case_id, kind, ref_id, body)
    select case_id, 'observable', case_observable_id, value || ' ' || description
    from case_observable;

insert into playbook (name, incident_type, description, tasks, version, created_by, created_at, updated_by, updated_at) values
('Phishing', 'phishing', 'A reported or detected phishing e-mail: scope the campaign, block it, clean up.',
 '[{"title":"Import the reported e-mail (.eml) and review its headers","group":"triage"},
   {"title":"Identify every recipient of the campaign","group":"investigation"},
   {"title":"Check the reputation of URLs and attachments","group":"investigation"},
   {"title":"Search proxy and DNS logs for clicks on the URLs","group":"investigation"},
   {"title":"Block the sender","group":"containment","action":"block_sender"},
   {"title":"Block the phishing domain at the proxy","group":"containment","action":"block_domain"},
   {"title":"Purge the e-mail from all mailboxes","group":"containment","action":"remove_email"},
   {"title":"Reset credentials of users who submitted them","group":"containment","action":"reset_credentials"},
   {"title":"Tell the affected users what happened","group":"recovery"}]', 1, 'system', 0, 'system', 0),
('Malware on endpoint', 'malware', 'Malware detected on a workstation or server.',
 '[{"title":"Collect the sample and record its hashes","group":"investigation"},
   {"title":"Acquire memory and a triage image of the host","group":"investigation"},
   {"title":"Look for persistence and lateral movement","group":"investigation"},
   {"title":"Isolate the host","group":"containment","action":"isolate_host"},
   {"title":"Quarantine the malicious file","group":"containment","action":"quarantine_file"},
   {"title":"Block command-and-control IP addresses","group":"containment","action":"block_ip"},
   {"title":"Block command-and-control domains","group":"containment","action":"block_domain"},
   {"title":"Remove persistence or reimage the host","group":"eradication"},
   {"title":"Return the host to the network and watch it","group":"recovery"}]', 1, 'system', 0, 'system', 0),
('Compromised account', 'compromised_account', 'An account used by someone other than its owner.',
 '[{"title":"Review the account''s sign-in history","group":"investigation"},
   {"title":"Look for new mailbox rules, MFA changes and devices","group":"investigation"},
   {"title":"Disable the account","group":"containment","action":"disable_account"},
   {"title":"Revoke active sessions and tokens","group":"containment","action":"revoke_sessions"},
   {"title":"Reset the password and re-enrol MFA","group":"containment","action":"reset_credentials"},
   {"title":"Block the attacker''s source IP addresses","group":"containment","action":"block_ip"},
   {"title":"Re-enable the account after verifying its owner","group":"recovery"}]', 1, 'system', 0, 'system', 0),
('Data exfiltration', 'data_exfiltration', 'Data leaving the organisation without authorisation.',
 '[{"title":"Identify the data and its classification","group":"investigation"},
   {"title":"Establish the channel and the volume","group":"investigation"},
   {"title":"Preserve proxy, firewall and DLP logs","group":"investigation"},
   {"title":"Block the destination IP addresses","group":"containment","action":"block_ip"},
   {"title":"Block the destination domains","group":"containment","action":"block_domain"},
   {"title":"Disable the accounts involved","group":"containment","action":"disable_account"},
   {"title":"Isolate the source host","group":"containment","action":"isolate_host"},
   {"title":"Assess notification duties (legal, regulators, customers)","group":"recovery"}]', 1, 'system', 0, 'system', 0),
('Ransomware', 'ransomware', 'Encryption of systems or data for extortion.',
 '[{"title":"Identify the ransomware family and keep the ransom note","group":"triage"},
   {"title":"Isolate infected hosts","group":"containment","action":"isolate_host"},
   {"title":"Disable compromised accounts","group":"containment","action":"disable_account"},
   {"title":"Block command-and-control and exfiltration IP addresses","group":"containment","action":"block_ip"},
   {"title":"Take backups offline to protect them","group":"containment"},
   {"title":"Reset privileged credentials","group":"eradication","action":"reset_credentials"},
   {"title":"Remove the malware and its persistence","group":"eradication"},
   {"title":"Restore from clean backups","group":"recovery"},
   {"title":"Watch for reinfection","group":"recovery"}]', 1, 'system', 0, 'system', 0);
