-- An organisation's legal representative (法定代表人), which the credit platform's field
-- set names.
ALTER TABLE case_parties ADD COLUMN legal_rep text NOT NULL DEFAULT '';
