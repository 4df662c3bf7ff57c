-- Human-friendly case numbers (CF-2026-000123): one counter per calendar year (UTC), advanced
-- inside the transaction that opens the case so numbers never repeat and never skip.
create table case_number_counter (
    year bigint primary key,
    last_number bigint not null,
    created_at bigint not null,
    updated_at bigint not null
);
