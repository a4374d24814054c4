package evidence

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
)

// DocumentAccess is one opening of a frozen document's PDF: no log line, no bytes, as for
// evidence files.
type DocumentAccess struct {
	ID         int64      `json:"id"`
	DocumentID uuid.UUID  `json:"document_id"`
	UserID     *uuid.UUID `json:"user_id"`
	Who        string     `json:"who"` // the user's name, or the party the service was addressed to
	Via        string     `json:"via"` // platform or service
	IP         string     `json:"ip"`
	UserAgent  string     `json:"user_agent"`
	At         time.Time  `json:"at"`
}

// LogDocumentAccess writes the line before the PDF is sent.
func (s *Service) LogDocumentAccess(ctx context.Context, l DocumentAccess) error {
	_, err := s.Store.db.Exec(ctx, `INSERT INTO document_access (document_id, user_id, who, via, ip, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6)`, l.DocumentID, l.UserID, l.Who, l.Via, l.IP, l.UserAgent)
	return enforcement.DBError(err, "访问日志")
}

// DocumentAccessLog lists the last openings of a document the actor may see, newest first.
func (s *Service) DocumentAccessLog(ctx context.Context, a enforcement.Actor, id uuid.UUID, limit int) ([]DocumentAccess, error) {
	if _, err := s.FindDocument(ctx, a, id); err != nil {
		return nil, err
	}
	rows, _ := s.Store.db.Query(ctx, `SELECT id, document_id, user_id, who, via, ip, user_agent, at FROM document_access
		WHERE document_id = $1 ORDER BY at DESC, id DESC LIMIT $2`, id, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[DocumentAccess])
	if out == nil {
		out = []DocumentAccess{}
	}
	return out, enforcement.DBError(err, "访问日志")
}
