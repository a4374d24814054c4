package inspection

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Inspector is an entry of the directory of inspectors (执法检查人员名录库): an officer
// whose certificate is valid, with the fields and expertise tasks may ask for.
type Inspector struct {
	OfficerID  uuid.UUID `json:"officer_id"`
	Name       string    `json:"name"`
	CertNo     string    `json:"cert_no"`
	AgencyID   uuid.UUID `json:"agency_id"`
	AgencyName string    `json:"agency_name"`
	Fields     []string  `json:"fields"`
	Expertise  []string  `json:"expertise"`
	ValidUntil string    `json:"cert_valid_until"`
}

// InspectorFilter narrows the directory.
type InspectorFilter struct {
	AgencyIDs []uuid.UUID
	Field     string
	Q         string
	Page      enforcement.Page
}

// Inspectors lists officers who may be drawn today, from every agency of the actor's
// region: joint checks mix agencies.
func (s *Service) Inspectors(ctx context.Context, a enforcement.Actor, f InspectorFilter) (enforcement.List[Inspector], error) {
	q := enforcement.Query{
		Select: `o.id, o.name, o.cert_no, o.agency_id, ag.name, o.fields, o.expertise, o.cert_valid_until::text`,
		From:   "officers o JOIN agencies ag ON ag.id = o.agency_id", Order: "ag.name, o.name"}
	q.And("o.status = 'active' AND o.cert_valid_until >= ?", s.Cases.Today().String())
	q.And("ag.region_code LIKE ?", enforcement.RegionPrefix(a.RegionCode)+"%")
	if len(f.AgencyIDs) > 0 {
		q.And("o.agency_id = ANY(?)", f.AgencyIDs)
	}
	if f.Field != "" {
		q.And("(? = ANY(o.fields) OR ? = ANY(o.expertise))", f.Field)
	}
	if text := strings.TrimSpace(f.Q); text != "" {
		q.And("(o.name LIKE ? OR o.cert_no LIKE ?)", "%"+text+"%")
	}
	return enforcement.ListPage(ctx, s.Store.db, q, f.Page, func(row pgx.CollectableRow) (Inspector, error) {
		var in Inspector
		err := row.Scan(&in.OfficerID, &in.Name, &in.CertNo, &in.AgencyID, &in.AgencyName, &in.Fields, &in.Expertise, &in.ValidUntil)
		return in, err
	})
}

// SetExpertise replaces an officer's expertise tags; administrators keep the directory.
func (s *Service) SetExpertise(ctx context.Context, a enforcement.Actor, officerID uuid.UUID, tags []string) error {
	if err := a.Require(enforcement.RoleAdmin); err != nil {
		return err
	}
	if _, err := s.Cases.FindOfficer(ctx, a, officerID); err != nil {
		return err
	}
	clean := make([]string, 0, len(tags))
	for _, t := range tags {
		if t = strings.TrimSpace(t); t != "" {
			if utf8.RuneCountInString(t) > 30 || len(clean) >= 20 {
				return fault.Field("expertise", "专长标签每个不超过 30 字，最多 20 个")
			}
			clean = append(clean, t)
		}
	}
	_, err := s.Store.db.Exec(ctx, `UPDATE officers SET expertise = $2, updated_at = now() WHERE id = $1`, officerID, clean)
	return enforcement.DBError(err, "执法人员")
}

// Conflict is a registered conflict of interest (回避) between an officer and a target.
type Conflict struct {
	ID          uuid.UUID `json:"id"`
	OfficerID   uuid.UUID `json:"officer_id"`
	OfficerName string    `json:"officer_name"`
	TargetCode  string    `json:"target_code"`
	TargetName  string    `json:"target_name"`
	Reason      string    `json:"reason"`
	CreatedAt   time.Time `json:"created_at"`
}

// ConflictInput registers a conflict.
type ConflictInput struct {
	OfficerID  uuid.UUID `json:"officer_id"`
	TargetCode string    `json:"target_code"`
	Reason     string    `json:"reason"`
}

// AddConflict registers a conflict: an officer declares their own, administrators any
// officer's in their region.
func (s *Service) AddConflict(ctx context.Context, a enforcement.Actor, in ConflictInput) (Conflict, error) {
	self := a.OfficerID != nil && *a.OfficerID == in.OfficerID
	if !self && !a.Has(enforcement.RoleAdmin) {
		return Conflict{}, fault.New(fault.Forbidden, "只能申报本人的回避事项，或由管理员登记")
	}
	in.TargetCode = strings.ToUpper(strings.TrimSpace(in.TargetCode))
	in.Reason = strings.TrimSpace(in.Reason)
	switch {
	case in.OfficerID == uuid.Nil:
		return Conflict{}, fault.Field("officer_id", "请指定执法人员")
	case !enforcement.ValidCreditCode(in.TargetCode):
		return Conflict{}, fault.Field("target_code", "统一社会信用代码无效")
	case in.Reason == "" || utf8.RuneCountInString(in.Reason) > 500:
		return Conflict{}, fault.Field("reason", "请填写回避理由，不超过 500 字")
	}
	if _, err := s.Cases.FindOfficer(ctx, a, in.OfficerID); err != nil && !self {
		if fault.Is(err, fault.NotFound) {
			return Conflict{}, fault.Field("officer_id", "执法人员不存在")
		}
		return Conflict{}, err
	}
	if _, err := s.FindTarget(ctx, in.TargetCode); err != nil {
		if fault.Is(err, fault.NotFound) {
			return Conflict{}, fault.Field("target_code", "检查对象名录库中没有该对象")
		}
		return Conflict{}, err
	}
	id := uuid.New()
	_, err := s.Store.db.Exec(ctx, `INSERT INTO inspection_conflicts (id, officer_id, target_code, reason, created_by)
		VALUES ($1, $2, $3, $4, $5)`, id, in.OfficerID, in.TargetCode, in.Reason, a.UserID)
	if err != nil {
		return Conflict{}, enforcement.DBError(err, "该回避事项")
	}
	l, err := s.Conflicts(ctx, a, ConflictFilter{ID: &id, Page: enforcement.Page{Number: 1, Size: 1}})
	if err != nil || len(l.Items) == 0 {
		return Conflict{}, err
	}
	return l.Items[0], nil
}

// ConflictFilter narrows the register.
type ConflictFilter struct {
	ID         *uuid.UUID
	OfficerID  *uuid.UUID
	TargetCode string
	Page       enforcement.Page
}

// Conflicts lists the register within the actor's region; officers see their own.
func (s *Service) Conflicts(ctx context.Context, a enforcement.Actor, f ConflictFilter) (enforcement.List[Conflict], error) {
	q := enforcement.Query{
		Select: `c.id, c.officer_id, o.name, c.target_code, coalesce(t.name, ''), c.reason, c.created_at`,
		From: `inspection_conflicts c JOIN officers o ON o.id = c.officer_id JOIN agencies ag ON ag.id = o.agency_id
			LEFT JOIN inspection_targets t ON t.code = c.target_code`,
		Order: "c.created_at DESC"}
	q.And("ag.region_code LIKE ?", enforcement.RegionPrefix(a.RegionCode)+"%")
	if !a.Has(enforcement.RoleAdmin) && !a.Has(enforcement.RoleSupervisor) {
		if a.OfficerID == nil {
			return enforcement.List[Conflict]{Items: []Conflict{}}, nil
		}
		q.And("c.officer_id = ?", *a.OfficerID)
	}
	if f.ID != nil {
		q.And("c.id = ?", *f.ID)
	}
	if f.OfficerID != nil {
		q.And("c.officer_id = ?", *f.OfficerID)
	}
	if f.TargetCode != "" {
		q.And("c.target_code = upper(?)", f.TargetCode)
	}
	return enforcement.ListPage(ctx, s.Store.db, q, f.Page,
		func(row pgx.CollectableRow) (Conflict, error) {
			var c Conflict
			err := row.Scan(&c.ID, &c.OfficerID, &c.OfficerName, &c.TargetCode, &c.TargetName, &c.Reason, &c.CreatedAt)
			return c, err
		})
}

// DefaultFloor is the lowest share of targets a task draws where a region set none.
const DefaultFloor = 0.03

// Floor is the region's lowest draw ratio: the nearest setting up the region's tree.
func (s *Service) Floor(ctx context.Context, regionCode string) (float64, error) {
	var r float64
	err := s.Store.db.QueryRow(ctx, `SELECT ratio::float8 FROM inspection_floors
		WHERE $1 LIKE region_code || '%' ORDER BY length(region_code) DESC LIMIT 1`, enforcement.RegionPrefix(regionCode)).Scan(&r)
	if err == pgx.ErrNoRows {
		return DefaultFloor, nil
	}
	return r, enforcement.DBError(err, "最低抽查比例")
}

// SetFloor sets the actor's region's lowest draw ratio.
func (s *Service) SetFloor(ctx context.Context, a enforcement.Actor, ratio float64) error {
	if err := a.Require(enforcement.RoleAdmin); err != nil {
		return err
	}
	if ratio < 0 || ratio > 1 {
		return fault.Field("ratio", "最低抽查比例应在 0 到 1 之间")
	}
	_, err := s.Store.db.Exec(ctx, `INSERT INTO inspection_floors (region_code, ratio, updated_by) VALUES ($1, $2, $3)
		ON CONFLICT (region_code) DO UPDATE SET ratio = excluded.ratio, updated_by = excluded.updated_by, updated_at = now()`,
		enforcement.RegionPrefix(a.RegionCode), ratio, a.UserID)
	return enforcement.DBError(err, "最低抽查比例")
}
