-- Signing and freezing documents. A frozen document is its PDF in MinIO, whose SHA-256
-- entered the case's chain and which the agency's key signed; it never changes, and a
-- correction is a new document that names the one it replaces.
ALTER TABLE documents DROP CONSTRAINT documents_state_check;
ALTER TABLE documents
    ADD CONSTRAINT documents_state_check CHECK (state IN ('draft', 'frozen')),
    ADD COLUMN version        integer NOT NULL DEFAULT 1,
    ADD COLUMN replaces       uuid UNIQUE REFERENCES documents (id),
    ADD COLUMN number         text,
    ADD COLUMN frozen_at      timestamptz,
    ADD COLUMN frozen_by      uuid REFERENCES users (id),
    ADD COLUMN sha256         text,
    ADD COLUMN signature      text,
    ADD COLUMN public_key     text,
    ADD COLUMN object_key     text,
    ADD COLUMN object_version text,
    ADD COLUMN size           bigint,
    ADD COLUMN record_id      uuid REFERENCES records (id),
    ADD COLUMN retained_until timestamptz,
    ADD CONSTRAINT documents_frozen_whole CHECK (state = 'draft' OR (number IS NOT NULL AND frozen_at IS NOT NULL
        AND sha256 IS NOT NULL AND signature IS NOT NULL AND object_key IS NOT NULL AND record_id IS NOT NULL));
CREATE INDEX documents_unretained ON documents (frozen_at) WHERE state = 'frozen' AND retained_until IS NULL;

-- Who signed a draft, with the strokes as drawn and the image placed on the page; or the
-- party's refusal, with the audio-video record that shows it. content_sha256 is the hash of
-- the draft's values when signed: a signature is of what was on the screen.
CREATE TABLE document_signatures (
    id             uuid PRIMARY KEY,
    document_id    uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    role           text NOT NULL CHECK (role IN ('party', 'officer', 'witness')),
    signer         text NOT NULL,
    officer_id     uuid REFERENCES officers (id),
    refused        boolean NOT NULL DEFAULT false,
    reason         text NOT NULL DEFAULT '',
    record_id      uuid REFERENCES records (id),
    strokes        jsonb,
    png            bytea,
    content_sha256 text NOT NULL,
    created_by     uuid NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL,
    CHECK (refused = (png IS NULL)),
    CHECK (NOT refused OR (role = 'party' AND record_id IS NOT NULL))
);
CREATE INDEX document_signatures_document ON document_signatures (document_id, created_at);
CREATE UNIQUE INDEX document_signatures_officer ON document_signatures (document_id, officer_id) WHERE officer_id IS NOT NULL;

-- Numbers by agency, kind and year: a frozen document takes the next.
CREATE TABLE document_numbers (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    kind      text NOT NULL,
    year      integer NOT NULL,
    last      integer NOT NULL,
    PRIMARY KEY (agency_id, kind, year)
);

-- A frozen document and its signatures never change; only the retention note is written later.
CREATE FUNCTION documents_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state = 'frozen' THEN
            RAISE EXCEPTION 'a frozen document cannot be deleted' USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state = 'frozen' AND (to_jsonb(NEW) - 'retained_until') IS DISTINCT FROM (to_jsonb(OLD) - 'retained_until') THEN
        RAISE EXCEPTION 'a frozen document cannot change' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER documents_frozen BEFORE UPDATE OR DELETE ON documents FOR EACH ROW EXECUTE FUNCTION documents_frozen();

CREATE FUNCTION document_signatures_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM documents WHERE id = OLD.document_id AND state = 'frozen') THEN
        RAISE EXCEPTION 'a frozen document''s signatures cannot change' USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER document_signatures_frozen BEFORE UPDATE OR DELETE ON document_signatures FOR EACH ROW EXECUTE FUNCTION document_signatures_frozen();
