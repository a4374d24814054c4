-- Alerts (预警): conditions the supervisors watch for, computed from the records every few
-- minutes and when their list is opened. An alert is raised when its condition begins and
-- closed when it ends; a supervisor can turn one into a clue.
CREATE TABLE supervision_alerts (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    region_code text NOT NULL,
    rule        text NOT NULL,
    ref_id      text NOT NULL,        -- the row it is about: a case, officer, target, disclosure…
    agency_id   uuid REFERENCES agencies (id),
    title       text NOT NULL,
    detail      text NOT NULL,
    link        text NOT NULL DEFAULT '',
    raised_at   timestamptz NOT NULL,
    closed_at   timestamptz,
    clue_id     uuid REFERENCES supervision_clues (id)
);
CREATE UNIQUE INDEX supervision_alerts_open ON supervision_alerts (rule, ref_id) WHERE closed_at IS NULL;
CREATE INDEX supervision_alerts_region ON supervision_alerts (region_code, raised_at DESC);

-- The rules a supervisor wants on their home page; no row: every rule.
CREATE TABLE supervision_alert_prefs (
    user_id uuid PRIMARY KEY REFERENCES users (id),
    rules   text[] NOT NULL
);

-- When each measure of a case was taken: a seizure's 30 days (60 when extended) and an
-- evidence preservation's 7 run from it. Measures named at filing date from the filing
-- (this trigger, whatever writes the case); those added later are written with their
-- record by the case store, at the record's time.
CREATE TABLE case_measures (
    case_id  uuid NOT NULL REFERENCES cases (id),
    code     text NOT NULL,
    taken_at timestamptz NOT NULL,
    PRIMARY KEY (case_id, code)
);
CREATE INDEX case_measures_code ON case_measures (code, taken_at);

CREATE FUNCTION note_case_measures() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_measures (case_id, code, taken_at)
        SELECT NEW.id, m, NEW.filed_at FROM unnest(NEW.measures) m
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER cases_note_measures AFTER INSERT ON cases
    FOR EACH ROW WHEN (cardinality(NEW.measures) > 0) EXECUTE FUNCTION note_case_measures();

INSERT INTO case_measures (case_id, code, taken_at)
    SELECT r.case_id, r.data::jsonb->>'measure', min(r.occurred_at) FROM records r
    WHERE r.kind = 'measure' AND r.data::jsonb ? 'measure' GROUP BY 1, 2
    ON CONFLICT DO NOTHING;
INSERT INTO case_measures (case_id, code, taken_at)
    SELECT c.id, m, c.filed_at FROM cases c CROSS JOIN unnest(c.measures) m
    ON CONFLICT DO NOTHING;

-- The alert rules read decided and filed cases by time.
CREATE INDEX cases_decided_at ON cases (decided_at) WHERE decided_at IS NOT NULL;
CREATE INDEX cases_filed_at ON cases (filed_at);
