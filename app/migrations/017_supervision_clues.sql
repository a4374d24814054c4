-- Supervision of enforcement (行政执法监督条例): clues. A clue comes from the public (a
-- complaint on the portal), the 12345 hotline, an evaluation, an alert or a supervisor, and
-- is decided within a deadline: opened as a supervision matter, merged into another clue,
-- transferred to the body that should handle it, or closed as not founded with a reason the
-- complainant sees.
CREATE TABLE supervision_sequences (
    region_code text NOT NULL,
    prefix      text NOT NULL,
    year        integer NOT NULL,
    last        integer NOT NULL,
    PRIMARY KEY (region_code, prefix, year)
);

CREATE TABLE supervision_clues (
    id              uuid PRIMARY KEY,
    region_code     text NOT NULL,
    number          text NOT NULL UNIQUE,
    source          text NOT NULL CHECK (source IN ('public', 'hotline', 'evaluation', 'alert', 'supervisor')),
    agency_id       uuid REFERENCES agencies (id),
    concerning      text NOT NULL DEFAULT '',  -- the officer or unit as the complainant names them
    content         text NOT NULL CHECK (content <> ''),
    occurred_on     date,
    complainant     text NOT NULL DEFAULT '',  -- empty when anonymous
    contact         text NOT NULL DEFAULT '',
    ticket_no       text,                      -- the 12345 ticket it came from
    tracking_hash   bytea UNIQUE,              -- SHA-256 of the complainant's tracking code
    state           text NOT NULL DEFAULT 'registered'
                    CHECK (state IN ('registered', 'opened', 'merged', 'transferred', 'closed')),
    decide_by       date NOT NULL,
    merged_into     uuid REFERENCES supervision_clues (id),
    transferred_to  text NOT NULL DEFAULT '',
    reason          text NOT NULL DEFAULT '',  -- why it was merged, transferred or closed
    public_reply    text NOT NULL DEFAULT '',  -- what the complainant reads
    created_by      uuid REFERENCES users (id),
    created_at      timestamptz NOT NULL,
    decided_by      uuid REFERENCES users (id),
    decided_at      timestamptz
);
CREATE UNIQUE INDEX supervision_clues_ticket ON supervision_clues (region_code, ticket_no) WHERE ticket_no IS NOT NULL;
CREATE INDEX supervision_clues_region ON supervision_clues (region_code, created_at DESC);
CREATE INDEX supervision_clues_open ON supervision_clues (decide_by) WHERE state = 'registered';

-- A complaint's attachments, stored in MinIO with their type (sniffed) and digests.
CREATE TABLE supervision_clue_files (
    id           uuid PRIMARY KEY,
    clue_id      uuid NOT NULL REFERENCES supervision_clues (id),
    object_key   text NOT NULL UNIQUE,
    version_id   text NOT NULL DEFAULT '',
    filename     text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL CHECK (size > 0),
    sha256       text NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX supervision_clue_files_clue ON supervision_clue_files (clue_id);

-- What happened to a clue, in order; public steps are what the complainant's page shows.
CREATE TABLE supervision_clue_events (
    id        bigserial PRIMARY KEY,
    clue_id   uuid NOT NULL REFERENCES supervision_clues (id),
    at        timestamptz NOT NULL,
    action    text NOT NULL,
    note      text NOT NULL DEFAULT '',
    public    boolean NOT NULL,
    actor_id  uuid REFERENCES users (id),
    actor     text NOT NULL DEFAULT ''
);
CREATE INDEX supervision_clue_events_clue ON supervision_clue_events (clue_id, id);
CREATE TRIGGER supervision_clue_events_append_only BEFORE UPDATE OR DELETE ON supervision_clue_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
