-- Service (送达) of a frozen document: how, to whom, when, and the proof. Electronic
-- service is complete when the party first opens the document with its code; public
-- notice when its period has run. Each service is a record of the case's chain.
CREATE TABLE document_services (
    id               uuid PRIMARY KEY,
    document_id      uuid NOT NULL REFERENCES documents (id),
    case_id          uuid NOT NULL REFERENCES cases (id),
    method           text NOT NULL CHECK (method IN ('direct', 'left', 'mail', 'electronic', 'notice')),
    recipient        text NOT NULL,
    sent_at          timestamptz NOT NULL,
    served_at        timestamptz,
    details          jsonb NOT NULL,
    token_hash       text UNIQUE,
    code_hash        text,
    failed_attempts  integer NOT NULL DEFAULT 0,
    record_id        uuid NOT NULL REFERENCES records (id),
    served_record_id uuid REFERENCES records (id),
    created_by       uuid NOT NULL REFERENCES users (id),
    created_at       timestamptz NOT NULL,
    CHECK (method <> 'electronic' OR (token_hash IS NOT NULL AND code_hash IS NOT NULL)),
    CHECK (method = 'electronic' OR served_at IS NOT NULL)
);
CREATE INDEX document_services_case ON document_services (case_id, sent_at);
CREATE INDEX document_services_document ON document_services (document_id);
