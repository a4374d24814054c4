-- Evidence files in MinIO, uploads under way, the access log, and the measures that need
-- an audio-video record.

-- Measures a case involves (seizure, demolition, closure, ...) and the ones an agency adds
-- to the statutory list of those that need an audio-video record.
ALTER TABLE cases ADD COLUMN measures text[] NOT NULL DEFAULT '{}';
ALTER TABLE agencies ADD COLUMN av_measures text[] NOT NULL DEFAULT '{}';

-- One stored object, attached to a record. The attachment itself is also a record in the
-- case's chain (kind 'attachment') carrying these fields, so a row changed here is caught.
CREATE TABLE media (
    id             uuid PRIMARY KEY,
    record_id      uuid NOT NULL REFERENCES records (id),
    case_id        uuid NOT NULL REFERENCES cases (id),
    attachment_id  uuid NOT NULL REFERENCES records (id),
    object_key     text NOT NULL UNIQUE,
    version_id     text NOT NULL DEFAULT '',
    filename       text NOT NULL DEFAULT '',
    content_type   text NOT NULL,
    size           bigint NOT NULL CHECK (size > 0),
    sha256         text NOT NULL,
    uploaded_by    uuid NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL,
    retained_until timestamptz -- set once MinIO holds the lock; NULL means the sweeper retries
);
CREATE INDEX media_record ON media (record_id);
CREATE INDEX media_case ON media (case_id);
CREATE INDEX media_unlocked ON media (created_at) WHERE retained_until IS NULL;

-- Uploads under way. A row exists from before the first byte reaches MinIO until the media
-- row is written in the same transaction that deletes it; a row left behind marks an
-- object or multipart upload that the sweeper removes.
CREATE TABLE uploads (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('direct', 'multipart')),
    record_id        uuid NOT NULL REFERENCES records (id),
    case_id          uuid NOT NULL REFERENCES cases (id),
    object_key       text NOT NULL UNIQUE,
    minio_upload_id  text NOT NULL DEFAULT '',
    filename         text NOT NULL DEFAULT '',
    content_type     text NOT NULL DEFAULT '',
    size             bigint NOT NULL DEFAULT 0,
    part_size        bigint NOT NULL DEFAULT 0,
    sha256           text NOT NULL DEFAULT '',
    created_by       uuid NOT NULL REFERENCES users (id),
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL
);
CREATE INDEX uploads_expires ON uploads (expires_at);

-- Who opened which evidence file, when and from where. Never changed.
CREATE TABLE media_access (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    media_id   uuid NOT NULL REFERENCES media (id),
    user_id    uuid REFERENCES users (id),
    username   text NOT NULL,
    action     text NOT NULL CHECK (action IN ('download', 'archive')),
    byte_range text NOT NULL DEFAULT '',
    ip         text NOT NULL,
    user_agent text NOT NULL DEFAULT '',
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_access_media ON media_access (media_id, at DESC);

CREATE TRIGGER media_access_append_only BEFORE UPDATE OR DELETE ON media_access
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER media_access_no_truncate BEFORE TRUNCATE ON media_access
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
