package enforcement

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"zhifa/fault"
)

func fieldOf(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

func TestCreditCode(t *testing.T) {
	tests := []struct {
		code string
		ok   bool
	}{
		{"91350100M000100Y43", true}, // published example of GB 32100
		{"91350100M000100Y44", false},
		{"91350100M000100Y4", false},
		{"91350100M000100I43", false}, // I is not in the alphabet
		{"9135A100M000100Y43", false}, // the division code must be digits
	}
	for _, tt := range tests {
		if got := ValidCreditCode(tt.code); got != tt.ok {
			t.Errorf("ValidCreditCode(%s) = %v, want %v", tt.code, got, tt.ok)
		}
	}
}

func TestIDNumber(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"11010519491231002X", true}, // the standard's example
		{"11010519491231002x", true},
		{"110105194912310021", false},
		{"110105194913310028", false}, // month 13
		{"1101051949123100", false},
	}
	for _, tt := range tests {
		if got := ValidIDNumber(tt.id); got != tt.ok {
			t.Errorf("ValidIDNumber(%s) = %v, want %v", tt.id, got, tt.ok)
		}
	}
}

func TestRegionScope(t *testing.T) {
	tests := []struct{ code, prefix, level string }{
		{"360000", "36", "province"}, {"360700", "3607", "city"}, {"360799", "360799", "county"},
	}
	for _, tt := range tests {
		if p := RegionPrefix(tt.code); p != tt.prefix {
			t.Errorf("RegionPrefix(%s) = %s, want %s", tt.code, p, tt.prefix)
		}
		if l := RegionLevel(tt.code); l != tt.level {
			t.Errorf("RegionLevel(%s) = %s, want %s", tt.code, l, tt.level)
		}
	}
	own, other := uuid.New(), uuid.New()
	county := Actor{Roles: []Role{RoleSupervisor}, AgencyID: own, RegionCode: "360799"}
	officer := Actor{Roles: []Role{RoleOfficer}, AgencyID: own, RegionCode: "360799"}
	if !county.Scope().Covers(Agency{ID: other, RegionCode: "360799"}) {
		t.Error("a county supervisor does not see another agency of the county")
	}
	if county.Scope().Covers(Agency{ID: other, RegionCode: "360700"}) {
		t.Error("a county supervisor sees the city government")
	}
	if officer.Scope().Covers(Agency{ID: other, RegionCode: "360799"}) {
		t.Error("an officer sees another agency")
	}
	if !officer.Scope().Covers(Agency{ID: own, RegionCode: "360799"}) {
		t.Error("an officer does not see their own agency")
	}
}

func TestOfficerApply(t *testing.T) {
	today := MustDate(2026, 11, 22)
	lapsed := func() Officer {
		return Officer{Name: "张三", Status: OfficerActive, CertValidUntil: MustDate(2026, 6, 30)}
	}
	active, suspended := OfficerActive, OfficerSuspended
	newDate := MustDate(2029, 6, 30)
	hours := 40
	tests := []struct {
		name   string
		start  Officer
		patch  OfficerPatch
		field  string
		status OfficerStatus
	}{
		{"restoring a lapsed card without a date", Officer{Name: "张三", Status: OfficerSuspended, CertValidUntil: MustDate(2026, 6, 30)},
			OfficerPatch{Status: &active}, "cert_valid_until", ""},
		{"restoring a lapsed card with a new date", Officer{Name: "张三", Status: OfficerSuspended, CertValidUntil: MustDate(2026, 6, 30)},
			OfficerPatch{Status: &active, CertValidUntil: &newDate}, "", OfficerActive},
		{"setting active on a lapsed active card", lapsed(), OfficerPatch{Status: &active}, "cert_valid_until", ""},
		{"suspending a lapsed card", lapsed(), OfficerPatch{Status: &suspended}, "", OfficerSuspended},
		{"changing hours of a lapsed card leaves it expired", lapsed(), OfficerPatch{TrainingHours: &hours}, "", OfficerExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.start
			err := o.Apply(tt.patch, today)
			if got := fieldOf(err); got != tt.field {
				t.Fatalf("Apply error = %v, want field %q", err, tt.field)
			}
			if err == nil && o.EffectiveStatus(today) != tt.status {
				t.Errorf("status = %s, want %s", o.EffectiveStatus(today), tt.status)
			}
		})
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) < 20 || h[:10] != "$argon2id$" {
		t.Fatalf("hash %q is not argon2id in PHC form", h)
	}
	if !CheckPassword(h, "correct horse") || CheckPassword(h, "wrong") || CheckPassword("", "anything") {
		t.Error("CheckPassword does not tell right from wrong")
	}
}
