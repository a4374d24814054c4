-- A case page links back to the check it records or follows up; these find that check
-- without scanning every check of the province.
CREATE INDEX inspection_checks_case ON inspection_checks (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX inspection_checks_followup ON inspection_checks (followup_id) WHERE followup_id IS NOT NULL;
