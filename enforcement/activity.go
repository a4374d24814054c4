package enforcement

import (
	"time"

	"github.com/google/uuid"
)

// Activity is one entry of the append-only log of writes: who did what, when, from where.
type Activity struct {
	ID        int64      `json:"id"`
	At        time.Time  `json:"at"`
	UserID    *uuid.UUID `json:"user_id"`
	Username  string     `json:"username"`
	AgencyID  *uuid.UUID `json:"agency_id"`
	Method    string     `json:"method"`
	Path      string     `json:"path"`
	Route     string     `json:"route"`
	Status    int        `json:"status"`
	IP        string     `json:"ip"`
	RequestID string     `json:"request_id"`
	UserAgent string     `json:"user_agent"`
}

// ActivityFilter narrows a search of the activity log.
type ActivityFilter struct {
	Scope    Scope
	UserID   *uuid.UUID
	Username string
	From, To *time.Time
	Q        string
	Page     Page
}

// Page is a window of a list: page numbers start at 1.
type Page struct {
	Number int
	Size   int
}

// Offset returns the number of rows to skip.
func (p Page) Offset() int { return (p.Number - 1) * p.Size }

// List is one page of results and the total that matched.
type List[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}
