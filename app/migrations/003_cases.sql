-- Cases, their parties, handlers, state history and outcomes; the full-process record.

-- How an agency numbers its cases: {short} its short name, {kind} 罚/强/许/检/征/确/执,
-- {year} the filing year, {seq} the sequence within that prefix and year.
ALTER TABLE agencies ADD COLUMN case_number_pattern text NOT NULL DEFAULT '{short}{kind}〔{year}〕{seq}号';

CREATE TABLE case_sequences (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    prefix    text NOT NULL,
    year      integer NOT NULL,
    last      integer NOT NULL,
    PRIMARY KEY (agency_id, prefix, year)
);

CREATE TABLE cases (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id        uuid NOT NULL REFERENCES agencies (id),
    number           text NOT NULL UNIQUE,
    kind             text NOT NULL CHECK (kind IN ('penalty', 'coercion', 'license', 'inspection', 'levy', 'confirmation', 'other')),
    cause            text NOT NULL,
    legal_basis      text NOT NULL,
    state            text NOT NULL,
    occurred_at      timestamptz NOT NULL,
    location         text NOT NULL DEFAULT '',
    filed_at         timestamptz NOT NULL,
    notified_at      timestamptz,
    hearing_at       timestamptz,
    decided_at       timestamptz,
    served_at        timestamptz,
    closed_at        timestamptz,
    decision         jsonb,
    statement_waived boolean NOT NULL DEFAULT false,
    end_reason       text NOT NULL DEFAULT '',
    head_seq         integer NOT NULL DEFAULT 0,  -- last record of the chain, so a removed tail is noticed
    head_hash        text NOT NULL DEFAULT '',
    created_by       uuid NOT NULL REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_agency ON cases (agency_id, filed_at DESC);
CREATE INDEX cases_state ON cases (state, filed_at);

CREATE TABLE case_parties (
    case_id   uuid NOT NULL REFERENCES cases (id),
    position  integer NOT NULL,
    type      text NOT NULL CHECK (type IN ('person', 'org')),
    name      text NOT NULL,
    id_number text NOT NULL,
    address   text NOT NULL DEFAULT '',
    phone     text NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, position)
);
CREATE INDEX case_parties_name ON case_parties (name);

CREATE TABLE case_handlers (
    case_id    uuid NOT NULL REFERENCES cases (id),
    officer_id uuid NOT NULL REFERENCES officers (id),
    PRIMARY KEY (case_id, officer_id)
);
CREATE INDEX case_handlers_officer ON case_handlers (officer_id);

CREATE TABLE case_outcomes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id     uuid NOT NULL REFERENCES cases (id),
    type        text NOT NULL CHECK (type IN ('reconsideration', 'litigation')),
    result      text NOT NULL CHECK (result IN ('upheld', 'revoked', 'changed', 'confirmed_illegal', 'terminated', 'pending')),
    decided_at  timestamptz NOT NULL,
    note        text NOT NULL DEFAULT '',
    recorded_by uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The full-process record: one hash chain per case. Rows are never changed or removed.
CREATE TABLE records (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    seq         integer NOT NULL CHECK (seq > 0),
    stage       text NOT NULL,
    kind        text NOT NULL,
    note        text NOT NULL,
    data        text NOT NULL DEFAULT '{}', -- canonical JSON, kept as text so its hashed bytes survive
    occurred_at timestamptz NOT NULL,
    lat         double precision,
    lng         double precision,
    corrects    uuid REFERENCES records (id),
    author_id   uuid REFERENCES users (id),
    author_name text NOT NULL,
    created_at  timestamptz NOT NULL,
    prev_hash   text NOT NULL,
    hash        text NOT NULL,
    UNIQUE (case_id, seq)
);

CREATE TRIGGER records_append_only BEFORE UPDATE OR DELETE ON records
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER records_no_truncate BEFORE TRUNCATE ON records
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
