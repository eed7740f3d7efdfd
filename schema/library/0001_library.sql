-- The local library: articles, highlights, notes, tags, and the journal of every change.
-- Field-level stamps (`stamps`, JSON: field -> "CLOCK@DEVICE") let the shared merge function
-- decide per field which write wins (DESIGN.md §5).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE articles (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    url          TEXT,
    author       TEXT,
    published_at TEXT,
    text         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    stamps       TEXT NOT NULL DEFAULT '{}'
) STRICT;

CREATE TABLE highlights (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    article_id   TEXT NOT NULL REFERENCES articles(id),
    exact        TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    suffix       TEXT NOT NULL,
    start        INTEGER NOT NULL CHECK (start >= 0),
    "end"        INTEGER NOT NULL,
    utf16_start  INTEGER NOT NULL,
    utf16_end    INTEGER NOT NULL,
    color        TEXT NOT NULL,
    anchor       TEXT NOT NULL CHECK (anchor IN ('exact', 'fuzzy', 'orphaned')),
    anchor_score REAL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    stamps       TEXT NOT NULL DEFAULT '{}',
    CHECK (start <= "end")
) STRICT;
CREATE INDEX highlights_by_article ON highlights(article_id);
CREATE INDEX highlights_by_created ON highlights(created_at);

CREATE TABLE notes (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    body         TEXT NOT NULL,
    article_id   TEXT REFERENCES articles(id),
    highlight_id TEXT REFERENCES highlights(id),
    conflicts    TEXT NOT NULL DEFAULT '[]',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    stamps       TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX notes_by_article ON notes(article_id);
CREATE INDEX notes_by_highlight ON notes(highlight_id);
CREATE INDEX notes_by_created ON notes(created_at);

-- Every tag ever put on an entity, with its last add (present = 1) or remove (present = 0).
CREATE TABLE tags (
    entity_id TEXT NOT NULL,
    tag       TEXT NOT NULL,
    present   INTEGER NOT NULL CHECK (present IN (0, 1)),
    stamp     TEXT NOT NULL,
    PRIMARY KEY (entity_id, tag)
) STRICT, WITHOUT ROWID;
CREATE INDEX tags_by_name ON tags(tag, entity_id) WHERE present = 1;

-- The change journal: the library's history. Never pruned.
CREATE TABLE journal (
    seq       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    clock     TEXT NOT NULL,
    device    TEXT NOT NULL,
    entity    TEXT NOT NULL CHECK (entity IN ('article', 'highlight', 'note')),
    entity_id TEXT NOT NULL,
    op        TEXT NOT NULL,
    at        TEXT NOT NULL,
    change    TEXT NOT NULL,
    pushed    INTEGER NOT NULL DEFAULT 0 CHECK (pushed IN (0, 1))
) STRICT;
CREATE INDEX journal_by_entity ON journal(entity_id, seq);
CREATE INDEX journal_unpushed ON journal(seq) WHERE pushed = 0;

-- Full-text search over article titles and text, highlight quotes and note bodies.
-- External-content tables kept current by triggers, so the index is written in the same
-- transaction as the row (and only re-indexed when the indexed text really changed).
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, text, content = 'articles', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE highlights_fts USING fts5(
    exact, content = 'highlights', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE notes_fts USING fts5(
    body, content = 'notes', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.seq, new.title, new.text);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles
    WHEN old.title IS NOT new.title OR old.text IS NOT new.text BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.seq, old.title, old.text);
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.seq, new.title, new.text);
END;
CREATE TRIGGER highlights_fts_insert AFTER INSERT ON highlights BEGIN
    INSERT INTO highlights_fts(rowid, exact) VALUES (new.seq, new.exact);
END;
CREATE TRIGGER highlights_fts_update AFTER UPDATE OF exact ON highlights
    WHEN old.exact IS NOT new.exact BEGIN
    INSERT INTO highlights_fts(highlights_fts, rowid, exact) VALUES ('delete', old.seq, old.exact);
    INSERT INTO highlights_fts(rowid, exact) VALUES (new.seq, new.exact);
END;
CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN
    INSERT INTO notes_fts(rowid, body) VALUES (new.seq, new.body);
END;
CREATE TRIGGER notes_fts_update AFTER UPDATE OF body ON notes
    WHEN old.body IS NOT new.body BEGIN
    INSERT INTO notes_fts(notes_fts, rowid, body) VALUES ('delete', old.seq, old.body);
    INSERT INTO notes_fts(rowid, body) VALUES (new.seq, new.body);
END;
