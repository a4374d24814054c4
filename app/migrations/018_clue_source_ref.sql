-- A clue found by a case-file evaluation names the file it came from, once: the same
-- failing file cannot become two clues.
ALTER TABLE supervision_clues ADD COLUMN source_ref text;
CREATE UNIQUE INDEX supervision_clues_source_ref ON supervision_clues (source_ref) WHERE source_ref IS NOT NULL;
