-- Who opened a frozen document's PDF, as for evidence files: the officers through the
-- platform, the party through an electronic service's link.
CREATE TABLE document_access (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id uuid NOT NULL REFERENCES documents (id),
    user_id     uuid REFERENCES users (id),
    who         text NOT NULL,
    via         text NOT NULL CHECK (via IN ('platform', 'service')),
    ip          text NOT NULL,
    user_agent  text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX document_access_document ON document_access (document_id, at DESC);
