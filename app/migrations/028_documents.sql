-- A document of a case, made from one version of its kind: a draft while the officer
-- fills it (fields filled from the case where the kind names a source).
CREATE TABLE documents (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    kind_id     uuid NOT NULL REFERENCES document_kinds (id),
    fields      jsonb NOT NULL,
    state       text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft')),
    created_by  uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX documents_case ON documents (case_id, created_at);
