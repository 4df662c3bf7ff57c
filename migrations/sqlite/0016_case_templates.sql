-- Case templates: a case's defaults for one kind of incident (title prefix, a description with
-- placeholders filled from the alert, severity, TLP/PAP, tags, playbooks, custom field values,
-- the tier it opens in). Applied when a case is opened by hand, when an alert is escalated,
-- by an alert rule, and through TheHive's `caseTemplate`. Kept as one row with JSON lists:
-- a template is read whole, never filtered by its parts, and exported and imported as JSON.
create table case_template (
    template_id integer primary key,
    name text not null unique,
    description text not null,
    title_prefix text not null,
    -- Markdown; {{alert.title}}, {{alert.source}}, … are filled when the case opens.
    body text not null,
    -- Null: the opener's, or the alert's.
    severity integer check (severity between 1 and 5),
    tlp integer check (tlp between 0 and 4),
    pap integer check (pap between 0 and 4),
    tier integer check (tier between 1 and 3),
    -- JSON arrays of strings: tags, and the names of the playbooks whose tasks it adds.
    tags text not null,
    playbooks text not null,
    -- JSON object of custom field values by field name.
    custom_fields text not null,
    version integer not null,
    created_by text not null,
    created_at integer not null,
    updated_at integer not null
);

-- The shipped playbooks become templates too.
insert into case_template (name, description, title_prefix, body, severity, tlp, pap, tier, tags,
    playbooks, custom_fields, version, created_by, created_at, updated_at)
select name, description, '[' || name || '] ', '', null, null, null, null,
    '["' || incident_type || '"]', '["' || name || '"]', '{}', 1, 'system', 0, 0
from playbook where created_by = 'system';
