package enforcement

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"zhifa/fault"
)

// OfficerStatus is the stored state of a certificate; expiry is derived from its date.
type OfficerStatus string

// Stored states, and the derived "expired".
const (
	OfficerActive    OfficerStatus = "active"
	OfficerSuspended OfficerStatus = "suspended"
	OfficerRevoked   OfficerStatus = "revoked"
	OfficerExpired   OfficerStatus = "expired"
)

// Label is the status as people read it.
func (s OfficerStatus) Label() string {
	switch s {
	case OfficerActive:
		return "有效"
	case OfficerSuspended:
		return "暂扣"
	case OfficerRevoked:
		return "注销"
	case OfficerExpired:
		return "已过期"
	}
	return string(s)
}

// Officer is an official entitled to enforce, with their certificate (执法证).
type Officer struct {
	ID             uuid.UUID     `json:"id"`
	AgencyID       uuid.UUID     `json:"agency_id"`
	AgencyName     string        `json:"agency_name"`
	Name           string        `json:"name"`
	CertNo         string        `json:"cert_no"`
	Fields         []string      `json:"fields"`
	CertValidUntil Date          `json:"cert_valid_until"`
	Status         OfficerStatus `json:"status"`
	TrainingHours  int           `json:"training_hours"`
	CertValid      bool          `json:"cert_valid"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
}

// EffectiveStatus is the status as of today: an active certificate past its date is expired.
func (o Officer) EffectiveStatus(today Date) OfficerStatus {
	if o.Status == OfficerActive && o.CertValidUntil.Before(today) {
		return OfficerExpired
	}
	return o.Status
}

// AsOf returns the officer as shown on a given day: the status is the effective one
// and CertValid says whether the certificate may be used.
func (o Officer) AsOf(today Date) Officer {
	o.Status = o.EffectiveStatus(today)
	o.CertValid = o.Status == OfficerActive
	return o
}

// CanEnforce reports whether the officer may handle a case or be drawn today.
func (o Officer) CanEnforce(today Date) bool { return o.EffectiveStatus(today) == OfficerActive }

// OfficerInput creates an officer.
type OfficerInput struct {
	AgencyID       uuid.UUID     `json:"agency_id"`
	Name           string        `json:"name"`
	CertNo         string        `json:"cert_no"`
	Fields         []string      `json:"fields"`
	CertValidUntil Date          `json:"cert_valid_until"`
	Status         OfficerStatus `json:"status"`
	TrainingHours  int           `json:"training_hours"`
}

var certRe = regexp.MustCompile(`^[0-9A-Z]{6,20}$`)

// Validate checks the fields and names the first that is wrong.
func (in *OfficerInput) Validate() error {
	in.Name = strings.TrimSpace(in.Name)
	in.CertNo = strings.ToUpper(strings.TrimSpace(in.CertNo))
	if in.AgencyID == uuid.Nil {
		return fault.Field("agency_id", "请指定所属执法机关")
	}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 50 {
		return fault.Field("name", "姓名不能为空，且不超过 50 字")
	}
	if !certRe.MatchString(in.CertNo) {
		return fault.Field("cert_no", "执法证号应为 6 至 20 位数字或大写字母")
	}
	if in.CertValidUntil.IsZero() {
		return fault.Field("cert_valid_until", "请填写执法证有效期截止日期")
	}
	if in.Status == "" {
		in.Status = OfficerActive
	}
	if err := checkStoredStatus(in.Status); err != nil {
		return err
	}
	if in.TrainingHours < 0 || in.TrainingHours > 10000 {
		return fault.Field("training_hours", "培训学时应在 0 至 10000 之间")
	}
	fields, err := cleanFields(in.Fields)
	in.Fields = fields
	return err
}

func checkStoredStatus(s OfficerStatus) error {
	switch s {
	case OfficerActive, OfficerSuspended, OfficerRevoked:
		return nil
	}
	return fault.Field("status", "证件状态应为有效、暂扣或注销")
}

func cleanFields(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, f := range in {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if utf8.RuneCountInString(f) > 30 {
			return nil, fault.Field("fields", "执法领域“%s”过长", f)
		}
		out = append(out, f)
	}
	return out, nil
}

// OfficerPatch changes some of an officer's fields; nil leaves a field as it is.
type OfficerPatch struct {
	Name           *string        `json:"name"`
	Fields         *[]string      `json:"fields"`
	CertValidUntil *Date          `json:"cert_valid_until"`
	Status         *OfficerStatus `json:"status"`
	TrainingHours  *int           `json:"training_hours"`
}

// Apply changes the officer. Restoring a certificate whose date has passed needs a new
// validity date in the same change: "active" must never mean a lapsed card.
func (o *Officer) Apply(p OfficerPatch, today Date) error {
	if p.Name != nil {
		n := strings.TrimSpace(*p.Name)
		if n == "" || utf8.RuneCountInString(n) > 50 {
			return fault.Field("name", "姓名不能为空，且不超过 50 字")
		}
		o.Name = n
	}
	if p.Fields != nil {
		f, err := cleanFields(*p.Fields)
		if err != nil {
			return err
		}
		o.Fields = f
	}
	if p.TrainingHours != nil {
		if *p.TrainingHours < 0 || *p.TrainingHours > 10000 {
			return fault.Field("training_hours", "培训学时应在 0 至 10000 之间")
		}
		o.TrainingHours = *p.TrainingHours
	}
	if p.CertValidUntil != nil {
		if p.CertValidUntil.IsZero() {
			return fault.Field("cert_valid_until", "请填写执法证有效期截止日期")
		}
		o.CertValidUntil = *p.CertValidUntil
	}
	if p.Status != nil {
		if err := checkStoredStatus(*p.Status); err != nil {
			return err
		}
		o.Status = *p.Status
	}
	if o.Status == OfficerActive && o.CertValidUntil.Before(today) {
		if p.Status != nil || p.CertValidUntil != nil {
			return fault.Field("cert_valid_until", "执法证已于 %s 过期，设为有效须同时填写新的有效期", o.CertValidUntil)
		}
	}
	return nil
}
