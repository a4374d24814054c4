-- The steps of a case at which a kind of document is made (empty: at any open step).
-- Existing versions keep no steps; the platform's own kinds get theirs as a new version.
ALTER TABLE document_kinds ADD COLUMN stages text[] NOT NULL DEFAULT '{}';
