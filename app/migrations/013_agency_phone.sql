-- The number the public calls about an agency's officers: the certificate check page shows
-- it when a QR code cannot be verified, so a person facing a doubtful officer can ask.
ALTER TABLE agencies ADD COLUMN phone text NOT NULL DEFAULT '';
