// Package evidence owns the full-process record (执法全过程记录): each case's append-only,
// hash-chained timeline records, the photos, audio, video and documents stored in MinIO
// under them, the log of every access to evidence, and the verification that recomputes
// every hash. It depends on enforcement and never on app.
package evidence

import _ "embed"

// RecordsSpec is RECORDS.md, the byte form a record's digests cover, served on the portal
// and copied into every case archive.
//
//go:embed RECORDS.md
var RecordsSpec []byte

// LogSpec is LOG.md, the transparency log's specification.
//
//go:embed LOG.md
var LogSpec []byte
