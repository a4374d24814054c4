package inspection

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Matter is one entry of an agency's list of random-inspection matters (抽查事项).
type Matter struct {
	ID         uuid.UUID `json:"id"`
	AgencyID   uuid.UUID `json:"agency_id"`
	AgencyName string    `json:"agency_name"`
	Name       string    `json:"name"`
	LegalBasis string    `json:"legal_basis"`
	Method     string    `json:"method"`
	TargetType string    `json:"target_type"`
	CreatedAt  time.Time `json:"created_at"`
}

// MatterInput adds a matter to an agency's list.
type MatterInput struct {
	AgencyID   uuid.UUID `json:"agency_id"`
	Name       string    `json:"name"`
	LegalBasis string    `json:"legal_basis"`
	Method     string    `json:"method"`
	TargetType string    `json:"target_type"`
}

// Validate names the first field that is missing or too long.
func (in *MatterInput) Validate() error {
	if in.AgencyID == uuid.Nil {
		return fault.Field("agency_id", "请指定实施抽查的机关")
	}
	for _, f := range []struct {
		name, label string
		v           *string
		max         int
	}{{"name", "事项名称", &in.Name, 200}, {"legal_basis", "抽查依据", &in.LegalBasis, 2000},
		{"method", "抽查方式", &in.Method, 200}, {"target_type", "抽查对象类型", &in.TargetType, 100}} {
		*f.v = strings.TrimSpace(*f.v)
		if *f.v == "" || utf8.RuneCountInString(*f.v) > f.max {
			return fault.Field(f.name, "请填写%s，不超过 %d 字", f.label, f.max)
		}
	}
	return nil
}

// Store keeps the inspection data in PostgreSQL.
type Store struct{ db *pgxpool.Pool }

// NewStore returns a store over a pool.
func NewStore(db *pgxpool.Pool) *Store { return &Store{db: db} }

const matterCols = `m.id, m.agency_id, a.name, m.name, m.legal_basis, m.method, m.target_type, m.created_at`

func scanMatter(row pgx.CollectableRow) (Matter, error) {
	var m Matter
	err := row.Scan(&m.ID, &m.AgencyID, &m.AgencyName, &m.Name, &m.LegalBasis, &m.Method, &m.TargetType, &m.CreatedAt)
	return m, err
}

// Service applies the rules of double-random inspections over the store and the pools.
type Service struct {
	Store *Store
	Cases *enforcement.Service
	Pools *Pools
	Warn  func(msg string, err error) // problems worth a log line that do not fail a call
	// CodeKey signs inspection codes (CODE.md); without it no code is shown or verified.
	CodeKey CodeKey
	// PlanDue is the month and day ("03-31") by which annual plans are filed.
	PlanDue string
	// JointDays is the window for proposing joint checks (JointDays by default).
	JointDays int
}

// NewService returns the inspection service.
func NewService(st *Store, cases *enforcement.Service, pools *Pools) *Service {
	return &Service{Store: st, Cases: cases, Pools: pools}
}

// AddMatter lets an administrator of the region add a matter to an agency's list.
func (s *Service) AddMatter(ctx context.Context, a enforcement.Actor, in MatterInput) (Matter, error) {
	if err := a.Require(enforcement.RoleAdmin); err != nil {
		return Matter{}, err
	}
	if err := in.Validate(); err != nil {
		return Matter{}, err
	}
	if _, err := s.Cases.FindAgency(ctx, a, in.AgencyID); err != nil {
		if fault.Is(err, fault.NotFound) {
			return Matter{}, fault.Field("agency_id", "机关不存在")
		}
		return Matter{}, err
	}
	id := uuid.New()
	_, err := s.Store.db.Exec(ctx, `INSERT INTO inspection_matters (id, agency_id, name, legal_basis, method, target_type, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, in.AgencyID, in.Name, in.LegalBasis, in.Method, in.TargetType, a.UserID)
	if err != nil {
		return Matter{}, enforcement.DBError(err, "同名抽查事项")
	}
	return s.Store.find(ctx, id)
}

func (st *Store) find(ctx context.Context, id uuid.UUID) (Matter, error) {
	rows, _ := st.db.Query(ctx, `SELECT `+matterCols+` FROM inspection_matters m JOIN agencies a ON a.id = m.agency_id WHERE m.id = $1`, id)
	m, err := pgx.CollectExactlyOneRow(rows, scanMatter)
	return m, enforcement.DBError(err, "抽查事项")
}

// MatterFilter narrows the list.
type MatterFilter struct {
	AgencyID     *uuid.UUID
	RegionPrefix string // agencies whose region code starts with it; "" for all
	Q            string
	IDs          []uuid.UUID // only these, as a form shows what was chosen
	Page         enforcement.Page
}

// Matters lists matters of every agency: the list is public.
func (s *Service) Matters(ctx context.Context, f MatterFilter) (enforcement.List[Matter], error) {
	q := enforcement.Query{Select: matterCols, From: "inspection_matters m JOIN agencies a ON a.id = m.agency_id",
		Where: []string{"TRUE"}, Order: "a.name, m.name"}
	if f.AgencyID != nil {
		q.And("m.agency_id = ?", *f.AgencyID)
	}
	if f.RegionPrefix != "" {
		q.And("a.region_code LIKE ?", f.RegionPrefix+"%")
	}
	if text := strings.TrimSpace(f.Q); text != "" {
		q.And("(m.name ILIKE ? OR m.target_type ILIKE ?)", "%"+text+"%")
	}
	if f.IDs != nil {
		q.And("m.id = ANY(?)", f.IDs)
	}
	return enforcement.ListPage(ctx, s.Store.db, q, f.Page, scanMatter)
}
