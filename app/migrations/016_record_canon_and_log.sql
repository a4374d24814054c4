-- zhifa-record-2 (evidence/RECORDS.md): each record names the canon it was hashed under and
-- carries an SM3 digest beside its SHA-256. Records written before keep zhifa-record-1 and
-- no SM3; adding columns with defaults rewrites no row, so the append-only trigger holds.
ALTER TABLE records ADD COLUMN canon text NOT NULL DEFAULT 'zhifa-record-1';
ALTER TABLE records ADD COLUMN sm3 text NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN prev_sm3 text NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN head_sm3 text NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN sm3 text NOT NULL DEFAULT '';
ALTER TABLE uploads ADD COLUMN sm3 text NOT NULL DEFAULT '';

-- The transparency log over every case's chain heads (evidence/LOG.md). A record queues its
-- case's new head in its own transaction; the integrator moves queued heads into the tree
-- in order. Leaves, stored tree hashes and checkpoints are never changed or removed.
CREATE TABLE log_queue (
    id        bigserial PRIMARY KEY,
    case_id   uuid NOT NULL,
    seq       integer NOT NULL,
    head_hash text NOT NULL,
    queued_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE log_leaves (
    idx           bigint PRIMARY KEY CHECK (idx >= 0),
    case_id       uuid NOT NULL,
    seq           integer NOT NULL,
    head_hash     text NOT NULL,
    leaf_hash     bytea NOT NULL,
    integrated_at timestamptz NOT NULL
);
CREATE INDEX log_leaves_hash ON log_leaves (leaf_hash);
CREATE INDEX log_leaves_case ON log_leaves (case_id, seq);

-- The tree's hashes in golang.org/x/mod/sumdb/tlog's stored order: about two per leaf.
CREATE TABLE log_hashes (
    idx  bigint PRIMARY KEY CHECK (idx >= 0),
    hash bytea NOT NULL CHECK (length(hash) = 32)
);

CREATE TABLE log_checkpoints (
    id        bigserial PRIMARY KEY,
    size      bigint NOT NULL CHECK (size >= 0),
    root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
    at        timestamptz NOT NULL,
    signed    text NOT NULL
);
CREATE INDEX log_checkpoints_size ON log_checkpoints (size);

CREATE TRIGGER log_leaves_append_only BEFORE UPDATE OR DELETE ON log_leaves
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER log_hashes_append_only BEFORE UPDATE OR DELETE ON log_hashes
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER log_checkpoints_append_only BEFORE UPDATE OR DELETE ON log_checkpoints
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER log_leaves_no_truncate BEFORE TRUNCATE ON log_leaves
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER log_hashes_no_truncate BEFORE TRUNCATE ON log_hashes
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER log_checkpoints_no_truncate BEFORE TRUNCATE ON log_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Chains written before the log enter it with their present heads.
INSERT INTO log_queue (case_id, seq, head_hash)
    SELECT id, head_seq, head_hash FROM cases WHERE head_seq > 0 ORDER BY created_at, id;
