-- Checks are read by draw (its result listing, its pages, its cancellation), never by
-- task and sequence: the unique key that a draw's COPY maintains should serve those reads.
ALTER TABLE inspection_checks DROP CONSTRAINT inspection_checks_task_id_seq_key;
ALTER TABLE inspection_checks ADD CONSTRAINT inspection_checks_draw_seq UNIQUE (draw_id, seq);
