-- The notes that carry conflict versions, in creation order: `gloss sync` looks for them after
-- every sync (to say so), as do `gloss conflicts` and `gloss log`. Without this index that was a
-- walk of the whole notes table: at 500,000 notes, 0.2 s of every `gloss sync` with nothing to do
-- when the file was in the page cache and 30 to 120 s when it was not (75,000 page reads), so the
-- cost of a sync followed the library, not the changes (docs/performance.md, session 13). It
-- holds only conflicted notes, which are few; the query names the same terms, so SQLite uses it.
CREATE INDEX notes_conflicted ON notes(created_at) WHERE conflicts != '[]' AND deleted = 0;
