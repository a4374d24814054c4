-- Agencies, officers, users, the working-day calendar and the activity log.

CREATE TABLE agencies (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL,
    short_name  text NOT NULL,
    code        text NOT NULL UNIQUE,
    region_code text NOT NULL CHECK (region_code ~ '^[1-9][0-9]{5}$'),
    parent_id   uuid REFERENCES agencies (id),
    kind        text NOT NULL CHECK (kind IN ('government', 'department', 'township', 'justice')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agencies_region ON agencies (region_code text_pattern_ops);
CREATE INDEX agencies_parent ON agencies (parent_id);

CREATE TABLE officers (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id        uuid NOT NULL REFERENCES agencies (id),
    name             text NOT NULL,
    cert_no          text NOT NULL UNIQUE,
    fields           text[] NOT NULL DEFAULT '{}',
    cert_valid_until date NOT NULL,
    status           text NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
    training_hours   integer NOT NULL DEFAULT 0 CHECK (training_hours >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX officers_agency ON officers (agency_id, name);

CREATE TABLE users (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username        text NOT NULL UNIQUE CHECK (username = lower(username)),
    password_hash   text NOT NULL,
    name            text NOT NULL,
    roles           text[] NOT NULL CHECK (
        cardinality(roles) > 0 AND roles <@ ARRAY['officer', 'reviewer', 'supervisor', 'admin']),
    agency_id       uuid NOT NULL REFERENCES agencies (id),
    officer_id      uuid UNIQUE REFERENCES officers (id),
    legal_qualified boolean NOT NULL DEFAULT false,
    disabled_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_agency ON users (agency_id);

-- Exceptions to the Monday-to-Friday week: statutory holidays and make-up workdays.
CREATE TABLE calendar_days (
    day  date PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name text NOT NULL
);

CREATE TABLE calendar_years (
    year       integer PRIMARY KEY,
    source     text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by uuid REFERENCES users (id)
);

-- Every write by any user. Append-only: the trigger below refuses UPDATE and DELETE.
CREATE TABLE activity (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    user_id    uuid REFERENCES users (id),
    username   text NOT NULL DEFAULT '',
    agency_id  uuid REFERENCES agencies (id),
    method     text NOT NULL,
    path       text NOT NULL,
    route      text NOT NULL,
    status     integer NOT NULL,
    ip         text NOT NULL,
    request_id text NOT NULL,
    user_agent text NOT NULL DEFAULT ''
);
CREATE INDEX activity_at ON activity (at DESC);
CREATE INDEX activity_user ON activity (user_id, at DESC);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER activity_append_only BEFORE UPDATE OR DELETE ON activity
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER activity_no_truncate BEFORE TRUNCATE ON activity
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
