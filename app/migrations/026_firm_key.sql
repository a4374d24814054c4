-- The firm's key: given to the phone that first opens a check's valid code (the scan,
-- 扫码入企) and required to rate the check, so that whoever else holds the code (its
-- officers show it) cannot rate in the firm's place. Only its SHA-256 is kept.
ALTER TABLE inspection_checks ADD COLUMN firm_key_hash bytea;
