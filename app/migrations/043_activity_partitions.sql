-- The activity log grows without end: it becomes partitioned by year of its time (a year
-- as people in China count it, Asia/Shanghai), each year a table of its own that can be
-- archived or moved on its own. Every partition stays append-only: the parent's row
-- triggers reach each partition, but a TRUNCATE of one partition does not fire the
-- parent's statement trigger, so each partition gets its own.

-- ensure_year_partitions makes the yearly partitions of parent for the years first to
-- last that do not exist yet, each named parent_YYYY and refusing TRUNCATE. zhifa calls
-- it at start-up and daily for this year and the next, so a year's partition exists
-- before the year begins.
CREATE FUNCTION ensure_year_partitions(parent text, first_year int, last_year int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    y int;
    made int := 0;
    part text;
BEGIN
    -- Replicas starting together take turns, so none trips over a partition another made.
    PERFORM pg_advisory_xact_lock(hashtext('zhifa-year-partitions'));
    FOR y IN first_year..last_year LOOP
        part := parent || '_' || y;
        CONTINUE WHEN to_regclass(part) IS NOT NULL;
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', part, parent,
            make_timestamptz(y, 1, 1, 0, 0, 0, 'Asia/Shanghai'), make_timestamptz(y + 1, 1, 1, 0, 0, 0, 'Asia/Shanghai'));
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()',
            part || '_no_truncate', part);
        made := made + 1;
    END LOOP;
    RETURN made;
END
$$;

ALTER TABLE activity RENAME TO activity_unpartitioned;
ALTER INDEX activity_pkey RENAME TO activity_unpartitioned_pkey;
ALTER INDEX activity_at RENAME TO activity_unpartitioned_at;
ALTER INDEX activity_user RENAME TO activity_unpartitioned_user;

CREATE SEQUENCE activity_seq;
CREATE TABLE activity (
    id         bigint NOT NULL DEFAULT nextval('activity_seq'),
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
    user_agent text NOT NULL DEFAULT '',
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
ALTER SEQUENCE activity_seq OWNED BY activity.id;
CREATE INDEX activity_at ON activity (at DESC);
CREATE INDEX activity_user ON activity (user_id, at DESC);
CREATE TRIGGER activity_append_only BEFORE UPDATE OR DELETE ON activity
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER activity_no_truncate BEFORE TRUNCATE ON activity
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

SELECT ensure_year_partitions('activity',
    least(coalesce((SELECT min(extract(year FROM at AT TIME ZONE 'Asia/Shanghai'))::int FROM activity_unpartitioned),
        extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int), extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int),
    extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int + 1);
INSERT INTO activity (id, at, user_id, username, agency_id, method, path, route, status, ip, request_id, user_agent)
    SELECT id, at, user_id, username, agency_id, method, path, route, status, ip, request_id, user_agent FROM activity_unpartitioned;
SELECT setval('activity_seq', coalesce((SELECT max(id) FROM activity_unpartitioned), 0) + 1, false);
DROP TABLE activity_unpartitioned;
