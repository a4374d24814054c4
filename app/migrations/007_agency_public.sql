-- What the public sees before enforcement (事前公开): each agency's powers, legal basis,
-- procedures and remedies, and its discretion standards (裁量基准). Changes are new rows,
-- dated; nothing is overwritten.

CREATE TABLE agency_profiles (
    agency_id   uuid NOT NULL REFERENCES agencies (id),
    version     integer NOT NULL CHECK (version > 0),
    powers      text NOT NULL,
    legal_basis text NOT NULL,
    procedures  text NOT NULL,
    remedies    text NOT NULL,
    changed_by  uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, version)
);

CREATE TABLE discretion_standards (
    id           uuid PRIMARY KEY,
    agency_id    uuid NOT NULL REFERENCES agencies (id),
    title        text NOT NULL,
    body         text NOT NULL,
    effective_on date NOT NULL,
    replaces     uuid UNIQUE REFERENCES discretion_standards (id), -- the version this one supersedes
    created_by   uuid NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX discretion_standards_agency ON discretion_standards (agency_id, effective_on DESC);
