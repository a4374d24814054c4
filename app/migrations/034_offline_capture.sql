-- A file taken without a network may arrive after its case has ended: it is kept, and
-- the record it comes with says so (RECORDS.md §2.6).
ALTER TABLE uploads ADD COLUMN offline boolean NOT NULL DEFAULT false;
