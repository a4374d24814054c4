package enforcement

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/fault"
)

// AgencyProfile is what an agency publishes about itself before it acts: its powers, the
// law they rest on, how it proceeds and how a party may seek remedy. Each save is a new
// version; the old ones stay.
type AgencyProfile struct {
	AgencyID   uuid.UUID `json:"agency_id"`
	Version    int       `json:"version"`
	Powers     string    `json:"powers"`
	LegalBasis string    `json:"legal_basis"`
	Procedures string    `json:"procedures"`
	Remedies   string    `json:"remedies"`
	CreatedAt  time.Time `json:"created_at"`
}

// Validate requires every part, each within bounds.
func (p *AgencyProfile) Validate() error {
	for _, f := range []struct {
		name, label string
		v           *string
	}{{"powers", "职责权限", &p.Powers}, {"legal_basis", "执法依据", &p.LegalBasis}, {"procedures", "执法程序", &p.Procedures},
		{"remedies", "救济渠道", &p.Remedies}} {
		*f.v = strings.TrimSpace(*f.v)
		if *f.v == "" || utf8.RuneCountInString(*f.v) > 20000 {
			return fault.Field(f.name, "请填写%s，不超过 20000 字", f.label)
		}
	}
	return nil
}

// DiscretionStandard is one of an agency's discretion standards (行政处罚裁量基准).
type DiscretionStandard struct {
	ID          uuid.UUID  `json:"id"`
	AgencyID    uuid.UUID  `json:"agency_id"`
	Title       string     `json:"title"`
	Body        string     `json:"body"`
	EffectiveOn Date       `json:"effective_on"`
	Replaces    *uuid.UUID `json:"replaces"`
	ReplacedBy  *uuid.UUID `json:"replaced_by"`
	CreatedAt   time.Time  `json:"created_at"`
}

// Validate checks a new standard or version.
func (d *DiscretionStandard) Validate() error {
	d.Title, d.Body = strings.TrimSpace(d.Title), strings.TrimSpace(d.Body)
	switch {
	case d.Title == "" || utf8.RuneCountInString(d.Title) > 200:
		return fault.Field("title", "请填写标题，不超过 200 字")
	case d.Body == "" || utf8.RuneCountInString(d.Body) > 100000:
		return fault.Field("body", "请填写裁量基准正文")
	case d.EffectiveOn == (Date{}):
		return fault.Field("effective_on", "请填写施行日期")
	}
	return nil
}

// Profile returns an agency's current profile; found is false when it has none yet.
func (s *Store) Profile(ctx context.Context, agencyID uuid.UUID) (AgencyProfile, bool, error) {
	rows, _ := s.db.Query(ctx, `SELECT agency_id, version, powers, legal_basis, procedures, remedies, created_at
		FROM agency_profiles WHERE agency_id = $1 ORDER BY version DESC LIMIT 1`, agencyID)
	ps, err := pgx.CollectRows(rows, pgx.RowToStructByPos[AgencyProfile])
	if err != nil || len(ps) == 0 {
		return AgencyProfile{}, false, DBError(err, "机构公开信息")
	}
	return ps[0], true, nil
}

// ProfileHistory lists every version, newest first.
func (s *Store) ProfileHistory(ctx context.Context, agencyID uuid.UUID) ([]AgencyProfile, error) {
	rows, _ := s.db.Query(ctx, `SELECT agency_id, version, powers, legal_basis, procedures, remedies, created_at
		FROM agency_profiles WHERE agency_id = $1 ORDER BY version DESC`, agencyID)
	ps, err := pgx.CollectRows(rows, pgx.RowToStructByPos[AgencyProfile])
	if ps == nil {
		ps = []AgencyProfile{}
	}
	return ps, DBError(err, "机构公开信息")
}

// Standards lists an agency's standards; current only, or every version.
func (s *Store) Standards(ctx context.Context, agencyID uuid.UUID, all bool) ([]DiscretionStandard, error) {
	cond := ""
	if !all {
		cond = " AND n.id IS NULL"
	}
	rows, _ := s.db.Query(ctx, `SELECT d.id, d.agency_id, d.title, d.body, d.effective_on, d.replaces, n.id, d.created_at
		FROM discretion_standards d LEFT JOIN discretion_standards n ON n.replaces = d.id
		WHERE d.agency_id = $1`+cond+` ORDER BY d.effective_on DESC, d.created_at DESC`, agencyID)
	ds, err := pgx.CollectRows(rows, pgx.RowToStructByPos[DiscretionStandard])
	if ds == nil {
		ds = []DiscretionStandard{}
	}
	return ds, DBError(err, "裁量基准")
}

// SaveProfile lets an administrator publish a new version of an agency's profile.
func (s *Service) SaveProfile(ctx context.Context, a Actor, agencyID uuid.UUID, p AgencyProfile) (AgencyProfile, error) {
	if err := a.Require(RoleAdmin); err != nil {
		return AgencyProfile{}, err
	}
	if _, err := s.FindAgency(ctx, a, agencyID); err != nil {
		return AgencyProfile{}, err
	}
	if err := p.Validate(); err != nil {
		return AgencyProfile{}, err
	}
	rows, _ := s.Store.db.Query(ctx, `INSERT INTO agency_profiles (agency_id, version, powers, legal_basis, procedures, remedies, changed_by)
		SELECT $1, COALESCE(max(version), 0) + 1, $2, $3, $4, $5, $6 FROM agency_profiles WHERE agency_id = $1
		RETURNING agency_id, version, powers, legal_basis, procedures, remedies, created_at`,
		agencyID, p.Powers, p.LegalBasis, p.Procedures, p.Remedies, a.UserID)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[AgencyProfile])
	return out, DBError(err, "机构公开信息")
}

// AddStandard lets an administrator publish a discretion standard, or a new version that
// replaces one (the old one stays, marked as replaced).
func (s *Service) AddStandard(ctx context.Context, a Actor, agencyID uuid.UUID, d DiscretionStandard) (DiscretionStandard, error) {
	if err := a.Require(RoleAdmin); err != nil {
		return d, err
	}
	if _, err := s.FindAgency(ctx, a, agencyID); err != nil {
		return d, err
	}
	if err := d.Validate(); err != nil {
		return d, err
	}
	if d.Replaces != nil {
		var ok bool
		if err := s.Store.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM discretion_standards WHERE id = $1 AND agency_id = $2)`,
			*d.Replaces, agencyID).Scan(&ok); err != nil {
			return d, DBError(err, "裁量基准")
		}
		if !ok {
			return d, fault.Field("replaces", "被替换的裁量基准不属于本单位")
		}
	}
	d.ID, d.AgencyID = uuid.New(), agencyID
	err := s.Store.db.QueryRow(ctx, `INSERT INTO discretion_standards (id, agency_id, title, body, effective_on, replaces, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at`, d.ID, agencyID, d.Title, d.Body, d.EffectiveOn, d.Replaces, a.UserID).Scan(&d.CreatedAt)
	if err != nil && strings.Contains(err.Error(), "discretion_standards_replaces_key") {
		return d, fault.New(fault.Conflict, "该裁量基准已有新版本，请在最新版本上修订")
	}
	return d, DBError(err, "裁量基准")
}
