package evidence

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Service applies who may read and write the full-process record.
type Service struct {
	Store   *Store
	Cases   *enforcement.Service
	Objects *Objects
	Limit   int64                       // largest file, in bytes
	Warn    func(msg string, err error) // cleanup failures that the sweeper will retry
	Now     func() time.Time
	Log     *Log // when set, verification also compares the chain with the heads it logged
	// DocumentFont and DocumentFallbackFont are the TrueType files documents are set in.
	DocumentFont, DocumentFallbackFont string
	DocumentKeys                       *DocumentKeys // sign frozen documents; none: nothing freezes
	PublicURL                          string        // the site's address, which a document's QR code opens
}

// NewService returns the evidence service.
func NewService(st *Store, cases *enforcement.Service, objects *Objects, limit int64) *Service {
	return &Service{Store: st, Cases: cases, Objects: objects, Limit: limit, Now: time.Now}
}

// AddRecord lets one of the case's officers add a record to its chain.
func (s *Service) AddRecord(ctx context.Context, a enforcement.Actor, caseID uuid.UUID, in RecordInput) (Record, error) {
	c, err := s.Cases.CaseInScope(ctx, a, caseID)
	if err != nil {
		return Record{}, err
	}
	if err := a.RequireHandler(c); err != nil {
		return Record{}, err
	}
	if err := in.Validate(c.State, s.Now()); err != nil {
		return Record{}, err
	}
	r := Record{CaseID: caseID, Stage: in.Stage, Kind: in.Kind, Note: in.Note,
		OccurredAt: in.OccurredAt, Location: in.Location, Corrects: in.Corrects, AuthorID: &a.UserID, AuthorName: a.Name}
	err = pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) (err error) {
		if r.Data, err = in.admitTx(ctx, tx, caseID, s.Now()); err != nil {
			return err
		}
		return s.Store.appendTx(ctx, tx, &r)
	})
	return r, enforcement.DBError(err, "记录")
}

// Records lists a case's records for anyone who may read the case.
func (s *Service) Records(ctx context.Context, a enforcement.Actor, caseID uuid.UUID) ([]Record, error) {
	if _, err := s.Cases.CaseReadable(ctx, a, caseID); err != nil {
		return nil, err
	}
	return s.Store.List(ctx, caseID)
}

// FindRecord returns one record of a case the actor may see.
func (s *Service) FindRecord(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Record, error) {
	r, err := s.Store.Find(ctx, id)
	if err != nil {
		return r, err
	}
	if _, err := s.Cases.CaseReadable(ctx, a, r.CaseID); err != nil {
		return Record{}, fault.HideAs(err, "记录不存在")
	}
	return r, nil
}

// Verify recomputes a case's chain for anyone who may read the case.
func (s *Service) Verify(ctx context.Context, a enforcement.Actor, caseID uuid.UUID) (Verification, error) {
	if _, err := s.Cases.CaseReadable(ctx, a, caseID); err != nil {
		return Verification{}, err
	}
	return s.VerifyCase(ctx, caseID)
}
