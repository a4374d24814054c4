-- Legal review of major decisions (重大执法决定法制审核): each agency's catalogue of what
-- makes a decision major, versioned; the flags handlers set on a case; review rounds.

CREATE TABLE major_criteria (
    agency_id           uuid NOT NULL REFERENCES agencies (id),
    version             integer NOT NULL CHECK (version > 0),
    fine_person_min     bigint NOT NULL CHECK (fine_person_min > 0),  -- fen; a fine at or above it is major
    fine_org_min        bigint NOT NULL CHECK (fine_org_min > 0),
    confiscation_min    bigint NOT NULL CHECK (confiscation_min > 0),
    license_revocation  boolean NOT NULL,
    business_suspension boolean NOT NULL,
    hearing             boolean NOT NULL,
    public_interest     boolean NOT NULL,
    complex             boolean NOT NULL,
    extra_kinds         text[] NOT NULL DEFAULT '{}',
    review_days         integer NOT NULL CHECK (review_days BETWEEN 1 AND 30),
    changed_by          uuid REFERENCES users (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, version)
);

-- What handlers say about a case that the catalogue asks about.
ALTER TABLE cases ADD COLUMN public_interest boolean NOT NULL DEFAULT false;
ALTER TABLE cases ADD COLUMN complex boolean NOT NULL DEFAULT false;
ALTER TABLE cases ADD COLUMN serious boolean NOT NULL DEFAULT false;  -- 重大违法行为 (art. 57)
ALTER TABLE cases ADD COLUMN major_kinds text[] NOT NULL DEFAULT '{}';

-- One row per submission; a returned review stays as it was and the resubmission is the
-- next round.
CREATE TABLE reviews (
    id               uuid PRIMARY KEY,
    case_id          uuid NOT NULL REFERENCES cases (id),
    round            integer NOT NULL CHECK (round > 0),
    state            text NOT NULL CHECK (state IN ('pending', 'approved', 'returned', 'rejected')),
    decision         jsonb NOT NULL,
    major_reasons    jsonb NOT NULL,
    criteria_version integer NOT NULL,
    from_state       text NOT NULL,
    submitted_by     uuid NOT NULL REFERENCES users (id),
    submitted_name   text NOT NULL,
    submitted_at     timestamptz NOT NULL,
    due_on           date NOT NULL,
    extension_reason text NOT NULL DEFAULT '',
    reviewer_id      uuid REFERENCES users (id),
    reviewer_name    text NOT NULL DEFAULT '',
    decided_at       timestamptz,
    checklist        jsonb,
    opinion          text NOT NULL DEFAULT '',
    UNIQUE (case_id, round)
);
CREATE INDEX reviews_pending ON reviews (due_on) WHERE state = 'pending';
CREATE UNIQUE INDEX reviews_one_pending ON reviews (case_id) WHERE state = 'pending';
