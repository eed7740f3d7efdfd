-- What the HTTP API's lists filter on, as columns (not JSON lookups in every row), and each
-- entity's list JSON rendered when it is written, so a page of 100 is read, not re-encoded.
ALTER TABLE entities ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entities ADD COLUMN article_id TEXT;
ALTER TABLE entities ADD COLUMN highlight_id TEXT;
ALTER TABLE entities ADD COLUMN updated_at TEXT;
-- The entity as a list of the HTTP API shows it (an article without its text); NULL for rows
-- written before this migration, which are rendered when read.
ALTER TABLE entities ADD COLUMN listed TEXT;
UPDATE entities SET
    deleted = coalesce(json_extract(record, '$.fields.deleted'), 0),
    article_id = json_extract(record, '$.fields.articleId'),
    highlight_id = json_extract(record, '$.fields.highlightId'),
    updated_at = json_extract(record, '$.updatedAt');
CREATE INDEX entities_article ON entities(user_id, kind, article_id, id) WHERE article_id IS NOT NULL;
CREATE INDEX entities_highlight ON entities(user_id, highlight_id, id) WHERE highlight_id IS NOT NULL;
