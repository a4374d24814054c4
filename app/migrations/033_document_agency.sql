-- A frozen document keeps the agency that signed it and the code the signed message holds,
-- so its check never depends on the agency's later changes; a signature cannot be added
-- to a frozen document either.
ALTER TABLE documents ADD COLUMN agency_id uuid REFERENCES agencies (id), ADD COLUMN agency_code text;

CREATE OR REPLACE FUNCTION document_signatures_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM documents WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.document_id ELSE OLD.document_id END
               AND state = 'frozen') THEN
        RAISE EXCEPTION 'a frozen document''s signatures cannot change' USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
DROP TRIGGER document_signatures_frozen ON document_signatures;
CREATE TRIGGER document_signatures_frozen BEFORE INSERT OR UPDATE OR DELETE ON document_signatures
    FOR EACH ROW EXECUTE FUNCTION document_signatures_frozen();
