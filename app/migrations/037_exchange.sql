-- Data exchange: what other systems must learn of enters the outbox in the event's own
-- transaction, and one delivery row per configured destination tracks its sending.
CREATE TABLE exchange_destinations (
    id              uuid PRIMARY KEY,
    name            text NOT NULL,
    url             text NOT NULL,
    format          text NOT NULL CHECK (format IN ('credit', 'regulatory', 'zhifa')),
    auth            text NOT NULL CHECK (auth IN ('hmac', 'mtls')),
    key_id          text NOT NULL DEFAULT '',
    secret_sealed   bytea,                      -- the HMAC secret, sealed with the exchange key
    tls_cert_file   text NOT NULL DEFAULT '',
    tls_key_file    text NOT NULL DEFAULT '',
    tls_ca_file     text NOT NULL DEFAULT '',
    rate            integer NOT NULL CHECK (rate BETWEEN 1 AND 10000), -- events per second at most
    region_prefix   text NOT NULL,              -- the agencies whose events it receives
    since           timestamptz NOT NULL,       -- events from this moment on are sent
    paused          boolean NOT NULL DEFAULT false,
    field_names     jsonb NOT NULL DEFAULT '{}', -- the destination's own names of zhifa's fields
    created_by      uuid REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (auth <> 'hmac' OR secret_sealed IS NOT NULL),
    CHECK (auth <> 'mtls' OR (tls_cert_file <> '' AND tls_key_file <> ''))
);

CREATE TABLE outbox_events (
    seq          bigserial PRIMARY KEY,
    id           uuid NOT NULL UNIQUE,           -- the idempotency key every destination sees
    topic        text NOT NULL,
    stream       text NOT NULL,                  -- events of one stream arrive in seq order
    subject_id   uuid NOT NULL,                  -- the disclosure, check, case or document
    agency_id    uuid NOT NULL REFERENCES agencies (id),
    refers_to    uuid REFERENCES outbox_events (id), -- the item a withdrawal or repair changes
    payload      jsonb NOT NULL,
    occurred_at  timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_events_topic ON outbox_events (topic, occurred_at);
CREATE INDEX outbox_events_subject ON outbox_events (subject_id);

CREATE TABLE outbox_deliveries (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_seq        bigint NOT NULL REFERENCES outbox_events (seq),
    destination_id   uuid NOT NULL REFERENCES exchange_destinations (id),
    stream           text NOT NULL,
    state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    first_failed_at  timestamptz,
    last_status      integer,
    last_error       text NOT NULL DEFAULT '',
    receipt          text NOT NULL DEFAULT '',   -- the destination's confirmation, when it gives one
    ack              jsonb,
    sent_at          timestamptz,
    resent_at        timestamptz,                -- an administrator sent it again after a fix
    resent_by        uuid REFERENCES users (id),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_seq, destination_id)
);
-- The dispatcher reads the unsent rows of one destination, stream by stream.
CREATE INDEX outbox_deliveries_open ON outbox_deliveries (destination_id, stream, event_seq) WHERE state <> 'sent';
CREATE INDEX outbox_deliveries_state ON outbox_deliveries (state, destination_id, event_seq);
