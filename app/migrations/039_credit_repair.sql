-- A party's request to end a decision's publication early (信用修复), recorded and decided
-- by the agency.
CREATE TABLE credit_repairs (
    id             uuid PRIMARY KEY,
    disclosure_id  uuid NOT NULL REFERENCES disclosures (id),
    applicant      text NOT NULL,
    reason         text NOT NULL,
    requested_on   date NOT NULL,
    recorded_by    uuid NOT NULL REFERENCES users (id),
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    state          text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'granted', 'refused')),
    decided_by     uuid REFERENCES users (id),
    decided_at     timestamptz,
    decision_note  text NOT NULL DEFAULT ''
);
-- One request open at a time for an item.
CREATE UNIQUE INDEX credit_repairs_open ON credit_repairs (disclosure_id) WHERE state = 'pending';
ALTER TABLE disclosures ADD COLUMN repaired_on date;
