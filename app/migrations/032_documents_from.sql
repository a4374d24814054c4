-- The day from which an agency's cases need their documents made in zhifa: a case filed on
-- or after it moves only with them (告知书, 决定书, 送达). An agency that had cases before
-- documents moved here sets it when it starts; one created from now on needs them at once.
ALTER TABLE agencies ADD COLUMN documents_from date;
ALTER TABLE agencies ALTER COLUMN documents_from SET DEFAULT current_date;
