-- Observable values are indexed by hash, not in b-trees: a PostgreSQL b-tree entry holds at
-- most 2,704 bytes, and an ordinary phishing-tracker URL is longer. Uniqueness goes through a
-- SHA-256 digest of the value; lookups (`value = $1`, joins on value) use hash indexes, which
-- hold a 4-byte hash whatever the value's length and compare the full value on every hit.

-- sha256() is immutable; convert_to() is only stable because it looks an encoding up by name,
-- which for the fixed 'UTF8' always finds the same one.
create function casefile_value_digest(v text) returns bytea
    language sql immutable strict parallel safe
    as $$ select sha256(convert_to(v, 'UTF8')) $$;

alter table alert_observable drop constraint alert_observable_alert_id_data_type_value_key;
create unique index alert_observable_unique
    on alert_observable (alert_id, data_type, casefile_value_digest(value));
drop index alert_observable_value;
create index alert_observable_value on alert_observable using hash (value);

alter table case_observable drop constraint case_observable_case_id_data_type_value_key;
create unique index case_observable_unique
    on case_observable (case_id, data_type, casefile_value_digest(value));
drop index case_observable_value;
create index case_observable_value on case_observable using hash (value);

alter table watchlist_entry drop constraint watchlist_entry_pkey;
create unique index watchlist_entry_unique
    on watchlist_entry (watchlist_id, data_type, casefile_value_digest(value));
drop index watchlist_entry_value;
create index watchlist_entry_value on watchlist_entry using hash (value);
-- The list page's keyset order: (data_type, first 200 characters, value).
create index watchlist_entry_page on watchlist_entry (watchlist_id, data_type, substr(value, 1, 200));

-- The outbox is claimed target by target (each webhook, and e-mail as 0), oldest due first.
create index outbox_target_due on outbox (coalesce(webhook_id, 0), state, next_attempt_at);

-- How many holders each stored evidence blob has: items not disposed of, and uploads in
-- flight. Only whoever takes the count to zero deletes the blob, under this row's lock.
create table evidence_content (
    sha256 text primary key,
    refs bigint not null check (refs >= 0),
    created_at bigint not null,
    updated_at bigint not null
);
insert into evidence_content (sha256, refs, created_at, updated_at)
    select sha256, count(*), min(uploaded_at), max(uploaded_at) from evidence
    where disposal <> 'disposed' group by sha256;
