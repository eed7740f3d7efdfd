-- The full-text rows are written by RecordStore.save, next to the row they index, instead of by
-- triggers. A trigger makes each row's INSERT a statement with a savepoint, and FTS5 flushes
-- its pending terms to a new segment at every savepoint: one segment (and its merges) per row.
-- Measured with the sqlite3 library: 50,000 highlight rows in batches of 500 took 2.12 s with
-- the trigger, 0.73 s with the FTS row inserted by its own statement (docs/performance.md).
-- The index's contents do not change: same rowids (the rows' seq), same columns.
DROP TRIGGER articles_fts_insert;
DROP TRIGGER articles_fts_update;
DROP TRIGGER highlights_fts_insert;
DROP TRIGGER highlights_fts_update;
DROP TRIGGER notes_fts_insert;
DROP TRIGGER notes_fts_update;
