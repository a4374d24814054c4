-- Supervision matters (监督事项): what a justice bureau opens from clues or on its own
-- plan, with two or more supervisors not of the supervised agency, requests for materials
-- the agency answers, and the three documents (通知书、意见书、决定书) the agency answers
-- within a deadline. Every step is a record in the matter's own hash chain, hashed and
-- logged exactly as a case's (evidence/RECORDS.md §7).

-- An agency's head (机关负责人) receives the supervision documents addressed to the agency.
ALTER TABLE users DROP CONSTRAINT users_roles_check;
ALTER TABLE users ADD CONSTRAINT users_roles_check CHECK (
    cardinality(roles) > 0 AND roles <@ ARRAY['officer', 'reviewer', 'supervisor', 'admin', 'head']);

-- A supervision decision (行政执法监督决定书) can revoke or change an enforcement decision.
ALTER TABLE case_outcomes DROP CONSTRAINT case_outcomes_type_check;
ALTER TABLE case_outcomes ADD CONSTRAINT case_outcomes_type_check CHECK (type IN ('reconsideration', 'litigation', 'supervision'));

CREATE TABLE supervision_matters (
    id           uuid PRIMARY KEY,
    region_code  text NOT NULL,
    number       text NOT NULL UNIQUE,
    kind         text NOT NULL CHECK (kind IN ('daily', 'key', 'special')),
    title        text NOT NULL CHECK (title <> ''),
    basis        text NOT NULL DEFAULT '',   -- why it was opened
    plan         text NOT NULL DEFAULT '',   -- a special campaign's plan
    state        text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'concluded')),
    conclusion   text NOT NULL DEFAULT '',
    opened_by    uuid NOT NULL REFERENCES users (id),
    opened_at    timestamptz NOT NULL,
    concluded_by uuid REFERENCES users (id),
    concluded_at timestamptz,
    -- the typical case (典型案例) the public reads, redacted, once published
    published_at timestamptz,
    public_title text NOT NULL DEFAULT '',
    public_text  text NOT NULL DEFAULT '',
    -- the head of the matter's chain, as cases keep theirs
    head_seq     integer NOT NULL DEFAULT 0,
    head_hash    text NOT NULL DEFAULT '',
    head_sm3     text NOT NULL DEFAULT ''
);
CREATE INDEX supervision_matters_region ON supervision_matters (region_code, opened_at DESC);
CREATE INDEX supervision_matters_public ON supervision_matters (published_at DESC) WHERE published_at IS NOT NULL;

-- The agencies a matter supervises: one for daily and key supervision, many for a special
-- campaign.
CREATE TABLE supervision_matter_agencies (
    matter_id uuid NOT NULL REFERENCES supervision_matters (id),
    agency_id uuid NOT NULL REFERENCES agencies (id),
    PRIMARY KEY (matter_id, agency_id)
);
CREATE INDEX supervision_matter_agencies_agency ON supervision_matter_agencies (agency_id);

CREATE TABLE supervision_matter_supervisors (
    matter_id uuid NOT NULL REFERENCES supervision_matters (id),
    user_id   uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (matter_id, user_id)
);
CREATE INDEX supervision_matter_supervisors_user ON supervision_matter_supervisors (user_id);

-- What a matter looks into: cases, checks, draws and clues.
CREATE TABLE supervision_matter_links (
    matter_id uuid NOT NULL REFERENCES supervision_matters (id),
    kind      text NOT NULL CHECK (kind IN ('case', 'check', 'draw', 'clue')),
    ref_id    uuid NOT NULL,
    PRIMARY KEY (matter_id, kind, ref_id)
);
CREATE INDEX supervision_matter_links_ref ON supervision_matter_links (kind, ref_id);

ALTER TABLE supervision_clues ADD COLUMN matter_id uuid REFERENCES supervision_matters (id);

-- The matter's chain: the same columns, canon and rules as a case's records.
CREATE TABLE supervision_records (
    id          uuid PRIMARY KEY,
    matter_id   uuid NOT NULL REFERENCES supervision_matters (id),
    seq         integer NOT NULL CHECK (seq > 0),
    stage       text NOT NULL,
    kind        text NOT NULL,
    note        text NOT NULL,
    data        text NOT NULL DEFAULT '{}',
    occurred_at timestamptz NOT NULL,
    lat         double precision,
    lng         double precision,
    corrects    uuid REFERENCES supervision_records (id),
    author_id   uuid REFERENCES users (id),
    author_name text NOT NULL,
    created_at  timestamptz NOT NULL,
    prev_hash   text NOT NULL,
    hash        text NOT NULL,
    canon       text NOT NULL,
    sm3         text NOT NULL,
    prev_sm3    text NOT NULL,
    UNIQUE (matter_id, seq)
);
CREATE TRIGGER supervision_records_append_only BEFORE UPDATE OR DELETE ON supervision_records
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER supervision_records_no_truncate BEFORE TRUNCATE ON supervision_records
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Requests for materials (调取材料) sent to an agency, and the three documents.
CREATE TABLE supervision_requests (
    id          uuid PRIMARY KEY,
    matter_id   uuid NOT NULL REFERENCES supervision_matters (id),
    agency_id   uuid NOT NULL REFERENCES agencies (id),
    officer_id  uuid REFERENCES officers (id),  -- an officer asked in person, who then sees it
    content     text NOT NULL CHECK (content <> ''),
    due_date    date NOT NULL,
    state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'answered')),
    created_by  uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL
);
CREATE INDEX supervision_requests_agency ON supervision_requests (agency_id, state);
CREATE INDEX supervision_requests_matter ON supervision_requests (matter_id);

CREATE TABLE supervision_documents (
    id            uuid PRIMARY KEY,
    matter_id     uuid NOT NULL REFERENCES supervision_matters (id),
    agency_id     uuid NOT NULL REFERENCES agencies (id),
    kind          text NOT NULL CHECK (kind IN ('notice', 'opinion', 'decision')),
    number        text NOT NULL UNIQUE,
    issuer        text NOT NULL,                    -- the body in whose name it is issued
    facts         text NOT NULL CHECK (facts <> ''),
    basis         text NOT NULL CHECK (basis <> ''),
    requirements  text NOT NULL CHECK (requirements <> ''),
    due_date      date NOT NULL,
    case_id       uuid REFERENCES cases (id),       -- a decision's enforcement act
    action        text CHECK (action IN ('correct', 'revoke', 'change', 'confirm_illegal')),
    pdf_key       text NOT NULL,
    pdf_version   text NOT NULL DEFAULT '',
    pdf_sha256    text NOT NULL,
    pdf_size      bigint NOT NULL,
    issued_by     uuid NOT NULL REFERENCES users (id),
    issued_at     timestamptz NOT NULL,
    read_at       timestamptz,
    read_by       uuid REFERENCES users (id),
    state         text NOT NULL DEFAULT 'issued' CHECK (state IN ('issued', 'answered', 'accepted', 'returned')),
    corrected     boolean NOT NULL DEFAULT false    -- the agency's correction was accepted
);
CREATE INDEX supervision_documents_agency ON supervision_documents (agency_id, state);
CREATE INDEX supervision_documents_matter ON supervision_documents (matter_id);

-- Answers to requests and documents; a returned answer is followed by another.
CREATE TABLE supervision_answers (
    id           uuid PRIMARY KEY,
    request_id   uuid REFERENCES supervision_requests (id),
    document_id  uuid REFERENCES supervision_documents (id),
    text         text NOT NULL CHECK (text <> ''),
    answered_by  uuid NOT NULL REFERENCES users (id),
    answered_at  timestamptz NOT NULL,
    late         boolean NOT NULL,
    verdict      text CHECK (verdict IN ('accepted', 'returned')),
    verdict_note text NOT NULL DEFAULT '',
    verdict_by   uuid REFERENCES users (id),
    verdict_at   timestamptz,
    CHECK ((request_id IS NULL) <> (document_id IS NULL))
);
CREATE INDEX supervision_answers_request ON supervision_answers (request_id);
CREATE INDEX supervision_answers_document ON supervision_answers (document_id);

CREATE TABLE supervision_answer_files (
    id           uuid PRIMARY KEY,
    answer_id    uuid NOT NULL REFERENCES supervision_answers (id),
    object_key   text NOT NULL UNIQUE,
    version_id   text NOT NULL DEFAULT '',
    filename     text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL CHECK (size > 0),
    sha256       text NOT NULL
);
CREATE INDEX supervision_answer_files_answer ON supervision_answer_files (answer_id);
