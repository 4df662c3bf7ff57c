-- The native REST API (/api/v1/).
--
-- A token may act for an account: it then works as that account (its role, tier and name on
-- the timeline) narrowed to the token's scopes, which is how a SOAR playbook claims and
-- accepts escalated cases. A token stops working when the account it acts for, or the one
-- that made it, is disabled.
alter table api_token add column acts_for_user_id integer references app_user (user_id);

-- Idempotency keys: the first answer to a create sent with `Idempotency-Key` is kept for a
-- day and given again to a retry of the same request, so a retried playbook step never
-- creates twice. `status` is null while the first request is still running.
create table api_idempotency (
    api_token_id integer not null references api_token (api_token_id),
    idem_key text not null,
    -- SHA-256 of method, path and body: the same key sent with another request is refused.
    request_hash text not null,
    status integer,
    response_body text,
    created_at integer not null,
    primary key (api_token_id, idem_key)
);
create index api_idempotency_age on api_idempotency (created_at);
