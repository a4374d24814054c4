-- Double-random inspections: the directory of targets, inspectors' tags, conflicts of
-- interest, tasks with their frozen pools, draws and checks. PostgreSQL is the system of
-- record; Redis only holds copies of frozen pools for fast draws.

-- Codes sort bytewise (COLLATE "C") because the published pool listing is in that order
-- and anyone re-running a draw must get the same order.
CREATE TABLE inspection_targets (
    code        text COLLATE "C" PRIMARY KEY,  -- 统一社会信用代码, check character validated
    name        text NOT NULL,
    type        text NOT NULL,
    region_code text NOT NULL,
    industry    text NOT NULL DEFAULT '',
    risk        char(1) NOT NULL CHECK (risk IN ('A', 'B', 'C', 'D')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inspection_targets_region ON inspection_targets (region_code text_pattern_ops);

-- Expertise complements the enforcement fields officers already carry.
ALTER TABLE officers ADD COLUMN expertise text[] NOT NULL DEFAULT '{}';

-- The lowest share of targets a region's tasks must draw (e.g. 3%).
CREATE TABLE inspection_floors (
    region_code text PRIMARY KEY,
    ratio       numeric(5, 4) NOT NULL CHECK (ratio >= 0 AND ratio <= 1),
    updated_by  uuid NOT NULL REFERENCES users (id),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inspection_conflicts (
    id          uuid PRIMARY KEY,
    officer_id  uuid NOT NULL REFERENCES officers (id),
    target_code text COLLATE "C" NOT NULL,
    reason      text NOT NULL,
    created_by  uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (officer_id, target_code)
);
CREATE INDEX inspection_conflicts_target ON inspection_conflicts (target_code);

CREATE TABLE inspection_tasks (
    id                    uuid PRIMARY KEY,
    region_code           text NOT NULL,
    name                  text NOT NULL,
    matter_ids            uuid[] NOT NULL,
    agency_ids            uuid[] NOT NULL,
    filter                jsonb NOT NULL,
    inspectors_per_target integer NOT NULL CHECK (inspectors_per_target >= 2),
    exclude_days          integer NOT NULL DEFAULT 0,
    yearly_cap            integer NOT NULL DEFAULT 0,
    quota                 jsonb NOT NULL,        -- {"ratios": {...}} or {"counts": {...}} as asked
    inspector_field       text NOT NULL DEFAULT '',
    due_date              date NOT NULL,
    strata                jsonb NOT NULL,        -- [{risk, size, take}] as frozen
    algorithm             text NOT NULL,
    secret                bytea NOT NULL,        -- shown only once the task is drawn
    commitment            text NOT NULL,         -- SHA-256 of the secret, public from creation
    pool_hash             text NOT NULL,         -- SHA-256 of the canonical pool listing
    pool_size             integer NOT NULL,
    listing_size          bigint NOT NULL,
    state                 text NOT NULL CHECK (state IN ('frozen', 'drawn', 'cancelled')),
    redraw_of             uuid REFERENCES inspection_tasks (id),
    created_by            uuid NOT NULL REFERENCES users (id),
    created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX inspection_tasks_redraw ON inspection_tasks (redraw_of);

-- The frozen pool: each stratum's codes in order, 18 bytes each, in chunks.
CREATE TABLE inspection_pool_chunks (
    task_id uuid NOT NULL REFERENCES inspection_tasks (id),
    risk    char(1) NOT NULL,
    chunk   integer NOT NULL,
    codes   bytea NOT NULL,
    PRIMARY KEY (task_id, risk, chunk)
);

CREATE TABLE inspection_task_inspectors (
    task_id    uuid NOT NULL REFERENCES inspection_tasks (id),
    officer_id uuid NOT NULL REFERENCES officers (id),
    agency_id  uuid NOT NULL REFERENCES agencies (id),
    PRIMARY KEY (task_id, officer_id)
);

CREATE TABLE inspection_task_conflicts (
    task_id     uuid NOT NULL REFERENCES inspection_tasks (id),
    officer_id  uuid NOT NULL,
    target_code text COLLATE "C" NOT NULL,
    PRIMARY KEY (task_id, officer_id, target_code)
);

CREATE TABLE inspection_draws (
    id             uuid PRIMARY KEY,
    task_id        uuid NOT NULL UNIQUE REFERENCES inspection_tasks (id),
    witness        text NOT NULL,
    seed           text NOT NULL,
    result_hash    text NOT NULL,
    selected_count integer NOT NULL,
    state          text NOT NULL CHECK (state IN ('valid', 'cancelled')),
    drawn_by       uuid NOT NULL REFERENCES users (id),
    drawn_at       timestamptz NOT NULL,
    cancel_reason  text NOT NULL DEFAULT '',
    cancelled_by   uuid REFERENCES users (id),
    cancelled_at   timestamptz
);

-- A draw writes every check in one COPY; per-row foreign-key triggers on draw and task
-- would double its cost, and both are written by the same transaction that creates them.
CREATE TABLE inspection_checks (
    id            uuid PRIMARY KEY,
    draw_id       uuid NOT NULL,
    task_id       uuid NOT NULL,
    seq           integer NOT NULL,
    target_code   text COLLATE "C" NOT NULL,
    inspector_ids uuid[] NOT NULL,
    drawn_on      date NOT NULL,
    state         text NOT NULL CHECK (state IN ('assigned', 'done', 'cancelled')),
    result        text,
    findings      text NOT NULL DEFAULT '',
    record_ids    uuid[] NOT NULL DEFAULT '{}',
    case_id       uuid REFERENCES cases (id),   -- the check's own record chain
    followup_id   uuid REFERENCES cases (id),   -- a case opened from a problem found
    result_at     timestamptz,
    result_by     uuid REFERENCES users (id),
    UNIQUE (task_id, seq)
);
CREATE INDEX inspection_checks_drawn ON inspection_checks (drawn_on);
CREATE INDEX inspection_checks_inspectors ON inspection_checks USING gin (inspector_ids);
