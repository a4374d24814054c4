package enforcement

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"zhifa/fault"
)

// AgencyKind tells governments, their departments, townships and justice bureaus apart;
// the justice bureau supervises and reviews for its whole region.
type AgencyKind string

// The kinds of agency.
const (
	KindGovernment AgencyKind = "government"
	KindDepartment AgencyKind = "department"
	KindTownship   AgencyKind = "township"
	KindJustice    AgencyKind = "justice"
)

// Agency is a body with enforcement power (执法主体), placed in the region tree.
type Agency struct {
	ID         uuid.UUID  `json:"id"`
	Name       string     `json:"name"`
	ShortName  string     `json:"short_name"`
	Code       string     `json:"code"`
	RegionCode string     `json:"region_code"`
	ParentID   *uuid.UUID `json:"parent_id"`
	Kind       AgencyKind `json:"kind"`
	CreatedAt  time.Time  `json:"created_at"`
	AVMeasures []string   `json:"av_measures"` // measures needing an audio-video record besides the statutory ones
	Phone      string     `json:"phone"`       // the public's number for questions about the agency's officers
	// DocumentsFrom is the day from which the agency's cases need their documents made in
	// zhifa (nil: not yet): a case filed on or after it moves only with them.
	DocumentsFrom *Date `json:"documents_from"`
}

// Contact is whom the public calls about an agency's officers.
type Contact struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// AgencyInput is what an administrator gives to create an agency.
type AgencyInput struct {
	Name       string     `json:"name"`
	ShortName  string     `json:"short_name"`
	Code       string     `json:"code"`
	RegionCode string     `json:"region_code"`
	ParentID   *uuid.UUID `json:"parent_id"`
	Kind       AgencyKind `json:"kind"`
	Phone      string     `json:"phone"`
}

var regionRe = regexp.MustCompile(`^[1-9][0-9]{5}$`)

// Validate checks the fields one by one and names the first that is wrong.
func (in *AgencyInput) Validate() error {
	in.Name = strings.TrimSpace(in.Name)
	in.ShortName = strings.TrimSpace(in.ShortName)
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		return fault.Field("name", "机构名称不能为空，且不超过 100 字")
	}
	if !ValidCreditCode(in.Code) {
		return fault.Field("code", "统一社会信用代码应为 18 位且校验位正确")
	}
	if !regionRe.MatchString(in.RegionCode) {
		return fault.Field("region_code", "行政区划代码应为 6 位数字")
	}
	if in.Kind == "" {
		in.Kind = KindDepartment
	}
	switch in.Kind {
	case KindGovernment, KindDepartment, KindTownship, KindJustice:
	default:
		return fault.Field("kind", "机构类型应为人民政府、政府部门、乡镇（街道）或司法行政机关")
	}
	if in.ShortName == "" {
		in.ShortName = in.Name
	}
	var err error
	in.Phone, err = CheckAgencyPhone(in.Phone)
	return err
}

// agencyPhoneRe accepts how offices write their numbers: 0797-8123456, (0797)8123456,
// 12345, 400-123-4567, with an extension after 转 or -.
var agencyPhoneRe = regexp.MustCompile(`^[0-9()（）+\- ]{3,24}(?:转[0-9]{1,6})?$`)

// CheckAgencyPhone trims an agency's public number and refuses one that is not a number.
func CheckAgencyPhone(p string) (string, error) {
	p = strings.TrimSpace(p)
	if p != "" && !agencyPhoneRe.MatchString(p) {
		return "", fault.Field("phone", "联系电话应为电话号码，如 0797-8123456 或 12345")
	}
	return p, nil
}
