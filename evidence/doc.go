// Package evidence owns the full-process record (执法全过程记录): each case's append-only,
// hash-chained timeline records, the photos, audio, video and documents stored in MinIO
// under them, the log of every access to evidence, and the verification that recomputes
// every hash. It depends on enforcement and never on app.
package evidence
