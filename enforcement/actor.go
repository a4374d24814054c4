package enforcement

import (
	"slices"
	"strings"

	"github.com/google/uuid"

	"zhifa/fault"
)

// Role is what a user may do; a user holds one or more.
type Role string

// The roles of API.md.
const (
	RoleOfficer    Role = "officer"
	RoleReviewer   Role = "reviewer"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
	// RoleHead is an agency's head (机关负责人): receives and answers the supervision
	// requests and documents addressed to the agency.
	RoleHead Role = "head"
)

// Roles lists every role, in the order pages show them.
var Roles = []Role{RoleOfficer, RoleReviewer, RoleSupervisor, RoleAdmin, RoleHead}

// Label is the role's name as people read it.
func (r Role) Label() string {
	switch r {
	case RoleOfficer:
		return "执法人员"
	case RoleReviewer:
		return "法制审核人员"
	case RoleSupervisor:
		return "执法监督人员"
	case RoleAdmin:
		return "系统管理员"
	case RoleHead:
		return "机关负责人"
	}
	return string(r)
}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Actor is the signed-in user on whose behalf a service call runs.
type Actor struct {
	UserID         uuid.UUID
	Username       string
	Name           string
	Roles          []Role
	AgencyID       uuid.UUID
	AgencyName     string
	RegionCode     string
	AgencyKind     AgencyKind
	OfficerID      *uuid.UUID
	LegalQualified bool
}

// Has reports whether the actor holds role r.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// Require refuses the call unless the actor holds one of roles.
func (a Actor) Require(roles ...Role) error {
	for _, r := range roles {
		if a.Has(r) {
			return nil
		}
	}
	return fault.New(fault.Forbidden, "当前账号无权执行此操作")
}

// Scope is the set of agencies an actor may see: officers and reviewers their own
// agency, supervisors and administrators every agency in their region, and reviewers of
// the justice bureau too, since they review for the whole region.
type Scope struct {
	AgencyID     uuid.UUID // set when the scope is a single agency
	RegionPrefix string    // set when the scope is a region
	Public       bool      // everything the public portal may list
}

// Scope returns what the actor may see.
func (a Actor) Scope() Scope {
	if a.Has(RoleAdmin) || a.Has(RoleSupervisor) || (a.Has(RoleReviewer) && a.AgencyKind == KindJustice) {
		return Scope{RegionPrefix: RegionPrefix(a.RegionCode)}
	}
	return Scope{AgencyID: a.AgencyID}
}

// Covers reports whether an agency lies within the scope.
func (s Scope) Covers(ag Agency) bool {
	if s.Public {
		return true
	}
	if s.RegionPrefix != "" {
		return strings.HasPrefix(ag.RegionCode, s.RegionPrefix)
	}
	return ag.ID == s.AgencyID
}

// RegionPrefix turns a six-digit division code into the prefix its sub-divisions share:
// 360000 (a province) → "36", 360700 (a city) → "3607", 360799 (a county) → "360799".
func RegionPrefix(code string) string {
	switch {
	case len(code) != 6:
		return code
	case strings.HasSuffix(code, "0000"):
		return code[:2]
	case strings.HasSuffix(code, "00"):
		return code[:4]
	}
	return code
}

// RegionLevel names the level of a division code: province, city or county.
func RegionLevel(code string) string {
	switch len(RegionPrefix(code)) {
	case 2:
		return "province"
	case 4:
		return "city"
	}
	return "county"
}
