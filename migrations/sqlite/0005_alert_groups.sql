-- Optional grouping: a new alert of the same source and rule that shares a key observable with
-- an open alert seen within the grouping window joins that alert's group instead of taking its
-- own queue row. The leader keeps the count; each member says why it joined.
alter table alert add column group_id integer references alert (alert_id);
alter table alert add column group_reason text;
alter table alert add column group_size integer not null default 1;
create index alert_group on alert (group_id);
