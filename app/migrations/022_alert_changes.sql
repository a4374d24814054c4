-- Alerts computed incrementally: what changed since the last computation, the day and
-- calendar it counted with, and the day's yardsticks of fines.

-- Every write to a case or a disclosure, whoever makes it, enters the queue; the next
-- computation takes what it finds there in its own transaction.
CREATE TABLE supervision_alert_changes (
    tbl text NOT NULL,
    id  uuid NOT NULL
);

CREATE FUNCTION note_alert_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO supervision_alert_changes (tbl, id) SELECT TG_ARGV[0], id FROM changed;
    RETURN NULL;
END $$;
-- A trigger with a transition table serves one event; hence two per table.
CREATE TRIGGER cases_alert_inserts AFTER INSERT ON cases REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION note_alert_changes('case');
CREATE TRIGGER cases_alert_updates AFTER UPDATE ON cases REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION note_alert_changes('case');
CREATE TRIGGER disclosures_alert_inserts AFTER INSERT ON disclosures REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION note_alert_changes('disclosure');
CREATE TRIGGER disclosures_alert_updates AFTER UPDATE ON disclosures REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION note_alert_changes('disclosure');

-- The last computation's day and the working calendar it counted deadlines with; a
-- changed calendar moves deadlines, so the next computation is a full one.
CREATE TABLE supervision_alert_state (
    id        boolean PRIMARY KEY DEFAULT true CHECK (id),
    synced_on date NOT NULL,
    calendar  text NOT NULL,
    yardsticks_on date,    -- the day the fines' yardsticks were measured
    fines_on      date     -- the yardsticks' day the fines were last compared with in full
);

-- The fines' yardsticks of the day: an agency's own twelve months, and a cause's in a
-- city (key: the first four digits of the region code, a colon, the cause).
CREATE TABLE supervision_fine_yardsticks (
    scope    text NOT NULL CHECK (scope IN ('agency', 'cause')),
    key      text NOT NULL,
    median   float8 NOT NULL,
    mad      float8 NOT NULL,
    fines    integer NOT NULL,
    agencies integer NOT NULL,
    PRIMARY KEY (scope, key)
);

-- A deadline's alert names the day it was due; pages count the days past it.
ALTER TABLE supervision_alerts ADD COLUMN due_on date;

-- When a supervisor last looked at each rule's alerts: those raised since are new to them,
-- and their home page says so for the rules they chose.
CREATE TABLE supervision_alert_seen (
    user_id uuid NOT NULL REFERENCES users (id),
    rule    text NOT NULL,
    seen_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, rule)
);
