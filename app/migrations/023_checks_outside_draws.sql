-- Checks of enterprises outside a double-random draw (2025 rules on 涉企行政检查): an
-- officer requests one with a reason, the agency's head approves or refuses it, and an
-- approved check, drawn or requested, carries a signed inspection code (检查码) that the
-- firm scans before the check begins.
ALTER TABLE inspection_checks
    ALTER COLUMN draw_id DROP NOT NULL,
    ALTER COLUMN task_id DROP NOT NULL,
    ALTER COLUMN seq DROP NOT NULL,
    ADD COLUMN origin        text NOT NULL DEFAULT 'draw' CHECK (origin IN ('draw', 'request')),
    ADD COLUMN agency_id     uuid REFERENCES agencies (id),     -- a requested check's agency
    ADD COLUMN matter_ids    uuid[],                            -- a requested check's matters
    ADD COLUMN reason        text CHECK (reason IN ('complaint', 'referral', 'high_risk', 'followup', 'special')),
    ADD COLUMN reason_note   text NOT NULL DEFAULT '',
    ADD COLUMN ordered_by    text NOT NULL DEFAULT '',          -- a higher level's document number
    ADD COLUMN planned_on    date,
    ADD COLUMN due_on        date,
    ADD COLUMN requested_by  uuid REFERENCES users (id),
    ADD COLUMN requested_at  timestamptz,
    ADD COLUMN decided_by    uuid REFERENCES users (id),
    ADD COLUMN decided_at    timestamptz,
    ADD COLUMN refuse_reason text NOT NULL DEFAULT '',
    ADD COLUMN code_issued_at timestamptz,                      -- first shown
    ADD COLUMN scanned_at    timestamptz;                       -- first opened by the firm (扫码入企)

ALTER TABLE inspection_checks DROP CONSTRAINT inspection_checks_state_check;
ALTER TABLE inspection_checks ADD CONSTRAINT inspection_checks_state_check
    CHECK (state IN ('requested', 'refused', 'assigned', 'done', 'cancelled'));
ALTER TABLE inspection_checks ADD CONSTRAINT inspection_checks_origin_fields CHECK (
    (origin = 'draw' AND draw_id IS NOT NULL AND task_id IS NOT NULL AND seq IS NOT NULL) OR
    (origin = 'request' AND draw_id IS NULL AND agency_id IS NOT NULL AND cardinality(matter_ids) > 0
        AND reason IS NOT NULL AND planned_on IS NOT NULL AND due_on IS NOT NULL AND requested_by IS NOT NULL));

-- A head's queue of requests, an agency's requested checks.
CREATE INDEX inspection_checks_requested ON inspection_checks (agency_id, state) WHERE origin = 'request';
-- A firm's checks of a year that showed their code (the cap, the firm's own view) in one
-- lookup. Partial: a draw writes tens of thousands of checks in one statement, none with a
-- code yet, and pays nothing for this index; a check enters it when its code is first shown.
CREATE INDEX inspection_checks_target ON inspection_checks (target_code, drawn_on) WHERE code_issued_at IS NOT NULL;
