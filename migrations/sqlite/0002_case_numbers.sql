-- Human-friendly case numbers (CF-2026-000123): one counter per calendar year (UTC), advanced
-- inside the transaction that opens the case so numbers never repeat and never skip.
create table case_number_counter (
    year integer primary key,
    last_number integer not null,
    created_at integer not null,
    updated_at integer not null
);
