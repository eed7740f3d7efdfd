-- How many pushes the server has committed from each device (as schema/server/0006): a batch
-- sent ahead names this count (`afterPush`) and is applied only after the one ahead of it.
ALTER TABLE devices ADD COLUMN pushes BIGINT NOT NULL DEFAULT 0;
