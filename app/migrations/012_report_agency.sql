-- The annual report places a review or a reconsideration/litigation outcome in its region
-- by the case's agency; keeping the agency on the row spares a scan of every case. A
-- case never changes agency, so the copy cannot drift.
ALTER TABLE reviews ADD COLUMN agency_id uuid REFERENCES agencies (id);
UPDATE reviews r SET agency_id = c.agency_id FROM cases c WHERE c.id = r.case_id;
ALTER TABLE reviews ALTER COLUMN agency_id SET NOT NULL;

ALTER TABLE case_outcomes ADD COLUMN agency_id uuid REFERENCES agencies (id);
UPDATE case_outcomes o SET agency_id = c.agency_id FROM cases c WHERE c.id = o.case_id;
ALTER TABLE case_outcomes ALTER COLUMN agency_id SET NOT NULL;
