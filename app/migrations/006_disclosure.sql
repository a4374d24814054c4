-- Disclosure after enforcement (事后公开): one item per decision (and, later, per
-- inspection result), published within a deadline counted in working days, displayed for
-- a period, withdrawn with a public reason when the decision is revoked or changed.

ALTER TABLE agencies ADD COLUMN auto_publish boolean NOT NULL DEFAULT false;

CREATE TABLE disclosures (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('decision', 'inspection_result')),
    case_id          uuid REFERENCES cases (id),
    check_id         uuid,
    agency_id        uuid NOT NULL REFERENCES agencies (id),
    state            text NOT NULL CHECK (state IN ('due', 'published', 'withdrawn')),
    start_on         date NOT NULL,      -- the day the duty arose; deadlines are counted from it
    due_days         integer NOT NULL,   -- working days to publish, counted on the calendar when read
    minor            boolean NOT NULL,   -- shown for the shorter period
    title            text NOT NULL,
    content          jsonb NOT NULL,     -- redacted when the item is made, never the raw case
    search           text NOT NULL,      -- number, cause and organisation names, for the portal's search
    decided_on       date NOT NULL,
    published_at     timestamptz,
    published_by     uuid REFERENCES users (id),
    withdraw_from    date,               -- set when an outcome requires withdrawal, due 3 working days on
    withdraw_cause   text NOT NULL DEFAULT '',
    withdrawn_at     timestamptz,
    withdrawn_by     uuid REFERENCES users (id),
    withdraw_reason  text NOT NULL DEFAULT '',
    display_until    date,               -- set at publication: 3 years, or 3 months for minor penalties
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX disclosures_case ON disclosures (case_id) WHERE kind = 'decision';
CREATE INDEX disclosures_state ON disclosures (state, start_on);
CREATE INDEX disclosures_published ON disclosures (published_at DESC) WHERE state = 'published';
CREATE INDEX disclosures_agency ON disclosures (agency_id, published_at DESC);
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX disclosures_search ON disclosures USING gin (search gin_trgm_ops);
