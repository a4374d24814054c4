-- An event's transaction writes the event alone; the dispatcher fans it out to the
-- destinations afterwards, so the cost a filing or decision pays for the exchange is one
-- row. Events already written were fanned out when they were written.
ALTER TABLE outbox_events ADD COLUMN fanned_out boolean NOT NULL DEFAULT true;
ALTER TABLE outbox_events ALTER COLUMN fanned_out SET DEFAULT false;
CREATE INDEX outbox_events_unfanned ON outbox_events (seq) WHERE NOT fanned_out;
