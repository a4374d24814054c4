package audit

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"zhifa/enforcement"
	"zhifa/evidence"
)

// Service runs case-file evaluation and counts the annual figures. It reads the records
// of cases, reviews, disclosure and inspections straight from PostgreSQL, which holds
// them all, and writes only its own tables.
type Service struct {
	db       *pgxpool.Pool
	Cases    *enforcement.Service
	Evidence *evidence.Service
	// ClueDecideDays is how many working days a clue waits for its decision (0: the default).
	ClueDecideDays int
	// DocumentFont and DocumentFallbackFont are the TrueType files supervision documents
	// are set in (empty: Debian's, see pdf.go).
	DocumentFont, DocumentFallbackFont string
	// TrackingCode makes a complaint's tracking code; nil is a random one (the demo fixes it).
	TrackingCode func() string
	// Sealer seals destinations' secrets; nil refuses to store one.
	Sealer *Sealer
}

// NewService builds the service over the shared pool.
func NewService(db *pgxpool.Pool, cases *enforcement.Service, ev *evidence.Service) *Service {
	return &Service{db: db, Cases: cases, Evidence: ev}
}

// DB is the pool the service reads, for benchmarks' baselines.
func (s *Service) DB() *pgxpool.Pool { return s.db }
