package enforcement

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
	"github.com/google/uuid"

	"zhifa/fault"
)

// User is an account that signs in. Officers who use zhifa have one, bound to their
// officer record; reviewers, supervisors and administrators may have none.
type User struct {
	ID             uuid.UUID  `json:"id"`
	Username       string     `json:"username"`
	Name           string     `json:"name"`
	Roles          []Role     `json:"roles"`
	AgencyID       uuid.UUID  `json:"agency_id"`
	OfficerID      *uuid.UUID `json:"officer_id"`
	LegalQualified bool       `json:"legal_qualified"`
	Disabled       bool       `json:"disabled"`
	CreatedAt      time.Time  `json:"created_at"`
	PasswordHash   string     `json:"-"`
}

// UserInput creates a user.
type UserInput struct {
	Username       string     `json:"username"`
	Password       string     `json:"password"`
	Name           string     `json:"name"`
	Roles          []Role     `json:"roles"`
	AgencyID       uuid.UUID  `json:"agency_id"`
	OfficerID      *uuid.UUID `json:"officer_id"`
	LegalQualified bool       `json:"legal_qualified"`
}

var usernameRe = regexp.MustCompile(`^[a-z][a-z0-9_.-]{2,31}$`)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 8

// Validate checks the fields and names the first that is wrong.
func (in *UserInput) Validate() error {
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	in.Name = strings.TrimSpace(in.Name)
	if !usernameRe.MatchString(in.Username) {
		return fault.Field("username", "用户名应为 3 至 32 位小写字母、数字或 _ . -，以字母开头")
	}
	if utf8.RuneCountInString(in.Password) < MinPasswordLength || len(in.Password) > 128 {
		return fault.Field("password", "密码至少 %d 位，且不超过 128 字节", MinPasswordLength)
	}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 50 {
		return fault.Field("name", "姓名不能为空，且不超过 50 字")
	}
	if len(in.Roles) == 0 {
		return fault.Field("roles", "请至少指定一个角色")
	}
	for _, r := range in.Roles {
		if !r.Valid() {
			return fault.Field("roles", "未知角色“%s”，应为 officer、reviewer、supervisor 或 admin", r)
		}
	}
	if in.AgencyID == uuid.Nil {
		return fault.Field("agency_id", "请指定所属机关")
	}
	if in.LegalQualified && !hasRole(in.Roles, RoleReviewer) {
		return fault.Field("legal_qualified", "只有法制审核人员可标记法律职业资格")
	}
	if hasRole(in.Roles, RoleOfficer) && in.OfficerID == nil {
		return fault.Field("officer_id", "执法人员账号须关联执法人员档案")
	}
	return nil
}

func hasRole(roles []Role, r Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// passwordParams are OWASP's argon2id settings (19 MiB, 2 passes): memory-hard, yet a
// login costs tens of milliseconds on one core.
var passwordParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// HashPassword returns the argon2id hash of a password in PHC form.
func HashPassword(password string) (string, error) {
	h, err := argon2id.CreateHash(password, passwordParams)
	if err != nil {
		return "", fault.Wrap(err, fault.Internal, "密码处理失败")
	}
	return h, nil
}

// dummyHash makes an unknown user cost as much as a wrong password, so timing does
// not tell which usernames exist.
var dummyHash, _ = argon2id.CreateHash("zhifa-no-such-user", passwordParams)

// CheckPassword reports whether password matches hash; with an empty hash it still
// spends the time of one comparison and answers false.
func CheckPassword(hash, password string) bool {
	if hash == "" {
		_, _ = argon2id.ComparePasswordAndHash(password, dummyHash)
		return false
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok
}
