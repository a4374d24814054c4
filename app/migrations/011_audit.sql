-- Case-file evaluation (案卷评查): rubrics kept as versioned data, campaigns whose sample
-- is drawn by the verifiable lottery, scores item by item, and rectification (整改).

-- A rubric version never changes once written: a score names the version it used, and
-- editing a rubric means adding its next version.
CREATE TABLE rubrics (
    id            uuid PRIMARY KEY,
    name          text NOT NULL,
    version       integer NOT NULL CHECK (version > 0),
    excellent_min numeric(4,1) NOT NULL,
    pass_min      numeric(4,1) NOT NULL,
    created_by    uuid REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, version),
    CHECK (0 < pass_min AND pass_min < excellent_min AND excellent_min <= 100)
);

CREATE TABLE rubric_items (
    rubric_id  uuid NOT NULL REFERENCES rubrics (id),
    position   integer NOT NULL,
    code       text NOT NULL,
    title      text NOT NULL,
    grp        text NOT NULL CHECK (grp IN ('form', 'content', 'veto')),
    max_points numeric(4,1) NOT NULL CHECK (max_points >= 0),
    check_code text NOT NULL DEFAULT '',  -- the automatic pre-check whose finding suggests it
    PRIMARY KEY (rubric_id, code),
    UNIQUE (rubric_id, position)
);

CREATE TRIGGER rubrics_frozen BEFORE UPDATE OR DELETE ON rubrics
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER rubric_items_frozen BEFORE UPDATE OR DELETE ON rubric_items
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- A campaign (评查活动) and its sample, drawn when it is opened. The pool listing is kept
-- as published so that anyone can re-run the sample from it.
CREATE TABLE evaluations (
    id           uuid PRIMARY KEY,
    region_code  text NOT NULL,
    name         text NOT NULL,
    period_from  date NOT NULL,
    period_to    date NOT NULL,
    case_kinds   text[] NOT NULL,
    agency_ids   uuid[] NOT NULL,
    sample_size  integer CHECK (sample_size > 0),
    sample_ratio numeric(5,4) CHECK (sample_ratio > 0 AND sample_ratio <= 1),
    rubric_id    uuid NOT NULL REFERENCES rubrics (id),
    algorithm    text NOT NULL,
    pool_listing text NOT NULL,
    pool_hash    text NOT NULL,
    pool_size    integer NOT NULL,
    secret       bytea NOT NULL,
    commitment   text NOT NULL,
    witness      text NOT NULL,
    seed         text NOT NULL,
    result_hash  text NOT NULL,
    state        text NOT NULL CHECK (state IN ('open', 'closed')),
    created_by   uuid NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL,
    closed_at    timestamptz,
    CHECK ((sample_size IS NULL) <> (sample_ratio IS NULL))
);
CREATE INDEX evaluations_region ON evaluations (region_code text_pattern_ops, created_at DESC);

CREATE TABLE evaluation_evaluators (
    evaluation_id uuid NOT NULL REFERENCES evaluations (id),
    user_id       uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (evaluation_id, user_id)
);

-- One row per sampled file; the score fields are filled when it is scored, with the
-- rubric version used.
CREATE TABLE evaluation_files (
    evaluation_id uuid NOT NULL REFERENCES evaluations (id),
    seq           integer NOT NULL,
    case_id       uuid NOT NULL REFERENCES cases (id),
    agency_id     uuid NOT NULL REFERENCES agencies (id),
    evaluator_id  uuid NOT NULL REFERENCES users (id),
    rubric_id     uuid REFERENCES rubrics (id),
    total         numeric(4,1),
    rating        text CHECK (rating IN ('excellent', 'pass', 'fail')),
    vetoed        boolean NOT NULL DEFAULT false,
    scored_by     uuid REFERENCES users (id),
    scored_at     timestamptz,
    PRIMARY KEY (evaluation_id, case_id),
    UNIQUE (evaluation_id, seq)
);
CREATE INDEX evaluation_files_evaluator ON evaluation_files (evaluator_id);
CREATE INDEX evaluation_files_scored ON evaluation_files (scored_at) WHERE scored_at IS NOT NULL;

CREATE TABLE evaluation_deductions (
    evaluation_id uuid NOT NULL,
    case_id       uuid NOT NULL,
    item_code     text NOT NULL,
    points        numeric(4,1) NOT NULL CHECK (points >= 0),
    veto          boolean NOT NULL DEFAULT false,
    note          text NOT NULL DEFAULT '',
    suggested     numeric(4,1),          -- what the pre-checks suggested, when they did
    PRIMARY KEY (evaluation_id, case_id, item_code),
    FOREIGN KEY (evaluation_id, case_id) REFERENCES evaluation_files (evaluation_id, case_id)
);

CREATE TABLE rectifications (
    id            uuid PRIMARY KEY,
    evaluation_id uuid NOT NULL REFERENCES evaluations (id),
    case_id       uuid NOT NULL REFERENCES cases (id),
    agency_id     uuid NOT NULL REFERENCES agencies (id),
    item_code     text NOT NULL,
    problem       text NOT NULL,
    requirement   text NOT NULL,
    due_on        date NOT NULL,
    state         text NOT NULL CHECK (state IN ('open', 'closed')),
    created_by    uuid NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL,
    closing_note  text NOT NULL DEFAULT '',
    closed_by     uuid REFERENCES users (id),
    closed_at     timestamptz,
    FOREIGN KEY (evaluation_id, case_id) REFERENCES evaluation_files (evaluation_id, case_id),
    UNIQUE (evaluation_id, case_id, item_code)
);
CREATE INDEX rectifications_agency ON rectifications (agency_id, state, due_on);
CREATE INDEX rectifications_evaluation ON rectifications (evaluation_id);
