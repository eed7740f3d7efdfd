-- The sync server's state in PostgreSQL, for several `gloss serve` processes on one database.
-- The same tables as schema/server (SQLite), with the columns the SQLite store gained over its
-- migrations from the start. Every text column holds what the SQLite store holds (canonical
-- JSON, ISO 8601 timestamps, lowercase IDs), so `gloss admin migrate-store` copies rows as they are.
-- Columns that pages are ordered by compare bytewise (COLLATE "C"), as SQLite compares them,
-- whatever the database's locale: list cursors and export order are the same on both stores.

CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- API tokens, stored only as SHA-256 hashes.
CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- One library per user. `version` is the sync cursor: raised by `UPDATE ... RETURNING` at the
-- start of each push transaction, which also locks this row, so pushes into one library are
-- serialized (pushes into different libraries are not) and versions commit in order. Never a
-- sequence: sequences hand out numbers that can commit out of order, and a puller would skip them.
CREATE TABLE libraries (
    user_id        TEXT PRIMARY KEY REFERENCES users(id),
    version        BIGINT NOT NULL DEFAULT 0,
    clock          TEXT NOT NULL DEFAULT '0000000000000000'
);

-- Full-text search forgives diacritics as the SQLite store does ("cafe" finds "café"): words
-- as written, lowercased, without accents, no stemming. unaccent ships with PostgreSQL and is a
-- trusted extension (a database owner may create it).
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
CREATE TEXT SEARCH CONFIGURATION gloss_search (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION gloss_search ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, simple;

-- The merged state of every entity (canonical JSON of an EntityRecord), clustered by kind like
-- the SQLite store, with the columns lists filter on and each entity's list JSON.
CREATE TABLE entities (
    user_id      TEXT NOT NULL REFERENCES users(id),
    kind         TEXT COLLATE "C" NOT NULL CHECK (kind IN ('article', 'highlight', 'note')),
    id           TEXT COLLATE "C" NOT NULL,
    record       TEXT NOT NULL,
    version      BIGINT NOT NULL,
    deleted      BOOLEAN NOT NULL,
    article_id   TEXT,
    highlight_id TEXT,
    created_at   TEXT COLLATE "C" NOT NULL,
    updated_at   TEXT COLLATE "C" NOT NULL,
    listed       TEXT,
    -- What full-text search reads: an article's title and text, a highlight's quote, a note's
    -- body (NULL once deleted).
    search_title TEXT,
    search_body  TEXT,
    PRIMARY KEY (user_id, kind, id)
);
CREATE UNIQUE INDEX entities_id ON entities(user_id, id);
CREATE INDEX entities_article ON entities(user_id, kind, article_id, id) WHERE article_id IS NOT NULL;
CREATE INDEX entities_highlight ON entities(user_id, highlight_id, id) WHERE highlight_id IS NOT NULL;
CREATE INDEX entities_version ON entities(user_id, version);
CREATE INDEX entities_created ON entities(user_id, kind, created_at, id);
CREATE INDEX entities_search ON entities USING GIN (
    to_tsvector('gloss_search', coalesce(search_title, '') || ' ' || coalesce(search_body, ''))
) WHERE search_body IS NOT NULL;

-- Every change accepted, in feed order (version, seq). The change ID makes a retried push a no-op.
CREATE TABLE changes (
    user_id   TEXT NOT NULL REFERENCES users(id),
    version   BIGINT NOT NULL,
    seq       BIGINT NOT NULL,
    id        TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    device    TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    change    TEXT NOT NULL,
    PRIMARY KEY (user_id, version, seq)
);
CREATE UNIQUE INDEX changes_id ON changes(user_id, id);
CREATE INDEX changes_entity ON changes(user_id, entity_id);

-- Devices seen per user, for operators.
CREATE TABLE devices (
    user_id   TEXT NOT NULL REFERENCES users(id),
    device    TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (user_id, device)
);
