package enforcement

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// TimelineEntry is a record the case engine writes into a case's full-process record:
// one for every state move and outcome.
type TimelineEntry struct {
	CaseID     uuid.UUID
	Stage      State
	Kind       string
	Note       string
	Data       map[string]any
	OccurredAt time.Time
	AuthorID   *uuid.UUID
	AuthorName string
}

// Timeline appends to the full-process record inside the case engine's transaction, so a
// move and its record commit together or not at all. Package evidence implements it and
// app wires it in; the case engine cannot import evidence, which depends on it.
type Timeline interface {
	AppendEntryTx(ctx context.Context, tx pgx.Tx, e TimelineEntry) error
	// HasAudioVideo reports whether an audio or video file was recorded in a stage.
	HasAudioVideo(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, stage State) (bool, error)
	// HasRecordKind reports whether the case's chain holds a record of a kind.
	HasRecordKind(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, kind string) (bool, error)
	// RecordKind is the kind of one of the case's records, "" when the case has no such
	// record.
	RecordKind(ctx context.Context, tx pgx.Tx, caseID, recordID uuid.UUID) (string, error)
	// DocumentFacts are the case's frozen documents and the service of its decision.
	DocumentFacts(ctx context.Context, q Querier, caseID uuid.UUID) (DocumentFacts, error)
}
