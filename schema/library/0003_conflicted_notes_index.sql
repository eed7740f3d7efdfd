-- The notes that carry conflict versions, in creation order: `gloss sync` looks for them after
-- every sync (to say so), as does `gloss conflicts`. Without this index that was a walk of the
-- whole notes table: at 500,000 notes, 0.2 to 0.5 s of every `gloss sync` with nothing to do when
-- the file was in the page cache and 34 to 122 s when it was not (75,687 page reads), so the cost
-- of a sync followed the library, not the changes (docs/performance.md, session 13). It holds
-- only conflicted notes, which are few; `Library.conflictedNotes` names it (`INDEXED BY`).
CREATE INDEX notes_conflicted ON notes(created_at) WHERE conflicts != '[]' AND deleted = 0;
