-- A file may arrive before its record: the phone uploads first and the record names the
-- finished uploads, so the record and its files enter the chain in one transaction or
-- not at all. Such an upload belongs to its case only until then; once its bytes are in
-- and checked it is ready, and keeps the object version, type, size and hash it was
-- checked at.
ALTER TABLE uploads ALTER COLUMN record_id DROP NOT NULL;
ALTER TABLE uploads ADD COLUMN version_id text NOT NULL DEFAULT '';
ALTER TABLE uploads ADD COLUMN ready boolean NOT NULL DEFAULT false;
