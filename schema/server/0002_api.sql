-- The HTTP API lists one kind of entity at a time, in ID order, page by page.
CREATE INDEX entities_kind ON entities(user_id, kind, id);
