-- Full-text search for the HTTP API (/v1/search), over article titles and text, highlight quotes
-- and note bodies. The index is brought up to date when someone searches (entities written
-- since `libraries.search_version`), not inside every push, so syncing pays nothing for it.
CREATE TABLE search_docs (
    rowid      INTEGER PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    id         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    article_id TEXT,
    title      TEXT,
    body       TEXT NOT NULL,
    UNIQUE (user_id, id)
) STRICT;
CREATE VIRTUAL TABLE search_fts USING fts5(
    title, body, content = 'search_docs', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER search_docs_insert AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
END;
CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
END;
ALTER TABLE libraries ADD COLUMN search_version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX entities_version ON entities(user_id, version);
