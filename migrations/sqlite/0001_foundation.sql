-- Foundation: accounts, API tokens, sign-in throttling, role policy and the audit log.
-- Every time is integer milliseconds since the Unix epoch, UTC.

create table app_user (
    user_id integer primary key,
    -- Stored lower-case; sign-in is case-insensitive.
    username text not null unique,
    display_name text not null,
    password_hash text not null,
    role text not null check (role in ('analyst', 'manager', 'auditor', 'admin')),
    -- Only analysts have a tier (1 triage, 2 investigation, 3 incident response).
    tier integer check (tier between 1 and 3),
    disabled boolean not null default false,
    -- Bumped to end every session of the user (password change, admin revoke).
    session_generation integer not null default 0,
    -- Base32 TOTP seed once enrolment is confirmed; the pending one while enrolling.
    totp_secret text,
    totp_pending_secret text,
    -- The last TOTP time step accepted, so a code cannot be replayed.
    totp_last_step integer,
    -- Auditors may be given access that lapses.
    access_expires_at integer,
    created_at integer not null,
    updated_at integer not null,
    check ((role = 'analyst') = (tier is not null))
);

create table recovery_code (
    recovery_code_id integer primary key,
    user_id integer not null references app_user (user_id) on delete cascade,
    code_hash text not null,
    used_at integer,
    created_at integer not null,
    updated_at integer not null
);
create index recovery_code_user on recovery_code (user_id);

create table api_token (
    api_token_id integer primary key,
    name text not null unique,
    -- The first characters of the token, shown so people can tell tokens apart.
    token_prefix text not null,
    -- SHA-256 of the whole token; the token itself is shown once and never stored.
    token_hash text not null unique,
    -- Space-separated scopes, e.g. 'alerts:write alerts:read'.
    scopes text not null,
    created_by integer references app_user (user_id),
    last_used_at integer,
    revoked_at integer,
    created_at integer not null,
    updated_at integer not null
);

-- Failed sign-ins per key ('user:<name>' or 'ip:<address>').
create table login_throttle (
    throttle_key text primary key,
    failures integer not null,
    last_failure_at integer not null,
    locked_until integer,
    created_at integer not null,
    updated_at integer not null
);

create table role_policy (
    role text primary key check (role in ('analyst', 'manager', 'auditor', 'admin')),
    mfa_required boolean not null default false,
    created_at integer not null,
    updated_at integer not null
);
insert into role_policy (role, mfa_required, created_at, updated_at) values
    ('analyst', false, 0, 0), ('manager', false, 0, 0), ('auditor', false, 0, 0), ('admin', false, 0, 0);

-- Append-only, hash-chained: hash = sha256(prev_hash || canonical form of the row).
create table audit_event (
    seq integer primary key,
    occurred_at integer not null,
    actor_user_id integer,
    actor_label text not null,
    actor_ip text,
    action text not null,
    object_type text not null,
    object_id text,
    -- JSON text, hashed exactly as stored.
    detail text not null,
    prev_hash text not null,
    hash text not null
);
create index audit_event_object on audit_event (object_type, object_id, seq);
create index audit_event_actor on audit_event (actor_user_id, seq);

-- The chain's head: one row, locked by each writer so sequence numbers never gap or fork.
create table audit_head (
    audit_head_id integer primary key check (audit_head_id = 1),
    seq integer not null,
    hash text not null,
    updated_at integer not null
);
insert into audit_head (audit_head_id, seq, hash, updated_at)
    values (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0);
