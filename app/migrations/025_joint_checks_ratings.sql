-- Joint checks (综合查一次): checks of one firm by several agencies within a window are
-- proposed as one visit; once every agency accepts, a joint check (origin 'joint') takes
-- their officers and matters under one code and its members are marked merged. Ratings:
-- the firm rates each finished check once, holding its code.
ALTER TABLE inspection_checks
    ADD COLUMN joint_id    uuid REFERENCES inspection_checks (id),  -- a merged member's joint check
    ADD COLUMN region_code text;                                    -- a joint check's region

ALTER TABLE inspection_checks DROP CONSTRAINT inspection_checks_origin_check;
ALTER TABLE inspection_checks ADD CONSTRAINT inspection_checks_origin_check CHECK (origin IN ('draw', 'request', 'joint'));
ALTER TABLE inspection_checks DROP CONSTRAINT inspection_checks_state_check;
ALTER TABLE inspection_checks ADD CONSTRAINT inspection_checks_state_check
    CHECK (state IN ('requested', 'refused', 'assigned', 'done', 'cancelled', 'merged'));
ALTER TABLE inspection_checks DROP CONSTRAINT inspection_checks_origin_fields;
ALTER TABLE inspection_checks ADD CONSTRAINT inspection_checks_origin_fields CHECK (
    (origin = 'draw' AND draw_id IS NOT NULL AND task_id IS NOT NULL AND seq IS NOT NULL) OR
    (origin = 'request' AND draw_id IS NULL AND agency_id IS NOT NULL AND cardinality(matter_ids) > 0
        AND reason IS NOT NULL AND planned_on IS NOT NULL AND due_on IS NOT NULL AND requested_by IS NOT NULL) OR
    (origin = 'joint' AND draw_id IS NULL AND agency_id IS NULL AND cardinality(matter_ids) > 0
        AND planned_on IS NOT NULL AND due_on IS NOT NULL AND region_code IS NOT NULL));
ALTER TABLE inspection_checks ADD CONSTRAINT inspection_checks_merged CHECK ((state = 'merged') = (joint_id IS NOT NULL));

CREATE INDEX inspection_checks_joint ON inspection_checks (joint_id) WHERE joint_id IS NOT NULL;
-- Visits of the last days, for the region-wide frequency alert: only checks whose code
-- was shown are in it.
CREATE INDEX inspection_checks_visits ON inspection_checks (code_issued_at) WHERE code_issued_at IS NOT NULL;

CREATE TABLE inspection_joint_proposals (
    id             uuid PRIMARY KEY,
    region_code    text NOT NULL,
    target_code    text COLLATE "C" NOT NULL,
    check_ids      uuid[] NOT NULL UNIQUE,      -- sorted, so one set is proposed once
    agency_ids     uuid[] NOT NULL,
    state          text NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'merged', 'declined', 'lapsed')),
    created_at     timestamptz NOT NULL,
    closed_at      timestamptz,
    closed_note    text NOT NULL DEFAULT '',
    joint_id       uuid REFERENCES inspection_checks (id)
);
CREATE INDEX inspection_joint_proposals_agencies ON inspection_joint_proposals USING gin (agency_ids);

CREATE TABLE inspection_joint_answers (
    proposal_id uuid NOT NULL REFERENCES inspection_joint_proposals (id),
    agency_id   uuid NOT NULL REFERENCES agencies (id),
    accepted    boolean NOT NULL,
    reason      text NOT NULL DEFAULT '',
    answered_by uuid NOT NULL REFERENCES users (id),
    answered_at timestamptz NOT NULL,
    PRIMARY KEY (proposal_id, agency_id)
);

-- One rating per finished check, by whoever holds its code; anonymous to the department.
CREATE TABLE inspection_ratings (
    check_id  uuid PRIMARY KEY REFERENCES inspection_checks (id),
    stars     integer NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment   text NOT NULL DEFAULT '',
    rated_at  timestamptz NOT NULL,
    clue_id   uuid REFERENCES supervision_clues (id)
);

ALTER TABLE supervision_clues DROP CONSTRAINT supervision_clues_source_check;
ALTER TABLE supervision_clues ADD CONSTRAINT supervision_clues_source_check
    CHECK (source IN ('public', 'hotline', 'evaluation', 'alert', 'supervisor', 'rating'));
