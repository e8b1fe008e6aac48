-- 008: late-data revisions become a queue of their own. The indicator job used to take a
-- city's changed windows and recompute them together with its newly final windows, so a
-- stream of late readings lengthened every cycle and delayed the live windows behind it.
-- Now a cycle first *notes* the changes (so its cached rollups are re-read from there)
-- and recomputes them after every city's live windows, in the time left.
--   noted:     the job has seen this change (the rollup job clears it on a new one, so a
--              window changed again after it was noted is re-read before it is revised);
--   marked_at: when the window first changed since its last revision (revision delay).
ALTER TABLE indicator_dirty
    ADD COLUMN noted boolean NOT NULL DEFAULT false,
    ADD COLUMN marked_at timestamptz NOT NULL DEFAULT now();
