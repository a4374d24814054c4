-- Documents in the field (执法文书): each kind of document kept as versioned data, as
-- rubrics and criteria are. A version never changes once written: a document names the
-- version it was made from, and editing a kind means adding its next version.
CREATE TABLE document_kinds (
    id             uuid PRIMARY KEY,
    code           text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    version        integer NOT NULL CHECK (version > 0),
    name           text NOT NULL CHECK (name <> ''),
    family         text NOT NULL CHECK (family IN ('record', 'notice', 'decision', 'service', 'list')),
    number_pattern text NOT NULL DEFAULT '',   -- e.g. {agency}罚决〔{year}〕{seq}号; empty: no number
    fields         jsonb NOT NULL,             -- [{key, label, type, source, required}]
    sections       jsonb NOT NULL,             -- [{heading, text}], text with {field} placeholders
    signers        text[] NOT NULL,            -- party, officer, witness
    created_by     uuid REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (code, version)
);

CREATE TRIGGER document_kinds_frozen BEFORE UPDATE OR DELETE ON document_kinds
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
