-- Which article and highlight each entity names, for the HTTP API's lists by article and by
-- highlight and the export's annotations of one article, kept out of the push's transaction.
-- The indexes entities_article and entities_highlight ordered every entity by a random ID (the
-- article's name-based UUID), so a push of 1,000 changes dirtied most of their leaves and
-- rewrote them at its commit: a quarter of the push's time and half the bytes it wrote
-- (docs/performance.md, session 21). A transaction of few rows writes this table as it commits;
-- after a large push it is brought up to date when someone reads by article or highlight, or
-- once pushes pause (entities written since `libraries.links_version`), in one sorted pass
-- however many pushes came in between.
CREATE TABLE entity_links (
    user_id      TEXT NOT NULL REFERENCES users(id),
    id           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    article_id   TEXT,
    highlight_id TEXT,
    PRIMARY KEY (user_id, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX entity_links_article ON entity_links(user_id, kind, article_id, id) WHERE article_id IS NOT NULL;
CREATE INDEX entity_links_highlight ON entity_links(user_id, highlight_id, id) WHERE highlight_id IS NOT NULL;
INSERT INTO entity_links(user_id, id, kind, article_id, highlight_id)
    SELECT user_id, id, kind, article_id, highlight_id FROM entities
    WHERE article_id IS NOT NULL OR highlight_id IS NOT NULL ORDER BY user_id, id;
ALTER TABLE libraries ADD COLUMN links_version INTEGER NOT NULL DEFAULT 0;
UPDATE libraries SET links_version = version;
DROP INDEX entities_article;
DROP INDEX entities_highlight;
