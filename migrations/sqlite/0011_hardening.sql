-- SQLite's b-trees hold values of any length, so its unique keys on observable values stay
-- (PostgreSQL's move to digests and hash indexes in its 0011). Only the watchlist page's keyset
-- order, (data_type, first 200 characters, value), which both databases share, needs an index.
create index watchlist_entry_page on watchlist_entry (watchlist_id, data_type, substr(value, 1, 200), value);

-- The outbox is claimed target by target (each webhook, and e-mail as 0), oldest due first.
create index outbox_target_due on outbox (coalesce(webhook_id, 0), state, next_attempt_at);

-- How many holders each stored evidence blob has: items not disposed of, and uploads in
-- flight. Only whoever takes the count to zero deletes the blob, under this row's lock.
create table evidence_content (
    sha256 text primary key,
    refs integer not null check (refs >= 0),
    created_at integer not null,
    updated_at integer not null
);
insert into evidence_content (sha256, refs, created_at, updated_at)
    select sha256, count(*), min(uploaded_at), max(uploaded_at) from evidence
    where disposal <> 'disposed' group by sha256;
