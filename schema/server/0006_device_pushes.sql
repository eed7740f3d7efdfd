-- How many pushes the server has committed from each device, counted in each push's transaction.
-- A client may send its next batch before the one ahead of it is answered, naming this count
-- (`afterPush`); the server applies it only when the count says the one ahead is committed, so
-- pipelined batches are never applied out of order (docs/sync-protocol.md).
ALTER TABLE devices ADD COLUMN pushes INTEGER NOT NULL DEFAULT 0;
