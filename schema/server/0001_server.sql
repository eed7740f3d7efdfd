-- The sync server's database: accounts, each user's library (its version and clock), the
-- current record of every entity, and the journal of every change it accepted.
-- Nothing lives outside this database between requests, so several server processes can share it.

CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
) STRICT;

-- API tokens, stored only as SHA-256 hashes.
CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;

-- One library per user. `version` is the sync cursor: raised once inside each push transaction
-- and stamped on everything that push wrote (never an auto-increment, DESIGN.md §5).
CREATE TABLE libraries (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    version INTEGER NOT NULL DEFAULT 0,
    clock   TEXT NOT NULL DEFAULT '0000000000000000'
) STRICT;

-- The merged state of every entity (canonical JSON of an EntityRecord).
CREATE TABLE entities (
    user_id TEXT NOT NULL REFERENCES users(id),
    id      TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('article', 'highlight', 'note')),
    record  TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (user_id, id)
) STRICT, WITHOUT ROWID;

-- Every change accepted, in feed order (version, seq). The change ID makes a retried push a no-op.
CREATE TABLE changes (
    user_id   TEXT NOT NULL REFERENCES users(id),
    id        TEXT NOT NULL,
    version   INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    entity_id TEXT NOT NULL,
    device    TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    change    TEXT NOT NULL,
    PRIMARY KEY (user_id, id)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX changes_feed ON changes(user_id, version, seq);

-- Devices seen per user, for operators.
CREATE TABLE devices (
    user_id   TEXT NOT NULL REFERENCES users(id),
    device    TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (user_id, device)
) STRICT, WITHOUT ROWID;
