package enforcement

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// Redaction is the one engine every public page and public JSON goes through: a natural
// person's name becomes its first character and *, resident ID numbers keep their first
// and last four characters, and a natural person's address, phone number and bank account
// are removed. Organisations appear in full. Free text is searched for the parties' own
// names and addresses and for anything shaped like an ID number, a phone number or a
// bank account, whoever it belongs to.
type Redaction struct {
	names     []string // natural persons' names, longest first
	addresses []string
	phones    []string
}

// Removed stands where personal data was taken out.
const Removed = "（已隐去）"

var (
	idNumberRe = regexp.MustCompile(`[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]`)
	// Mobile and landline numbers, with or without separators.
	phoneRe = regexp.MustCompile(`(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}-\d{7,8}`)
	// Bank card and account numbers: 12 to 30 digits, possibly in groups of four.
	accountRe = regexp.MustCompile(`\d{4}(?:[ -]?\d{4}){2,6}(?:[ -]?\d{1,4})?`)
)

// NewRedaction prepares the engine for a case's parties.
func NewRedaction(parties []Party) *Redaction {
	r := &Redaction{}
	for _, p := range parties {
		if p.Type != "person" {
			continue
		}
		if n := strings.TrimSpace(p.Name); n != "" {
			r.names = append(r.names, n)
		}
		if a := strings.TrimSpace(p.Address); utf8.RuneCountInString(a) >= 4 {
			r.addresses = append(r.addresses, a)
		}
		if ph := strings.TrimSpace(p.Phone); ph != "" {
			r.phones = append(r.phones, ph)
		}
	}
	longestFirst := func(s []string) {
		sort.Slice(s, func(i, j int) bool { return len(s[i]) > len(s[j]) })
	}
	longestFirst(r.names)
	longestFirst(r.addresses)
	return r
}

// MaskName keeps a person's surname: 张三 → 张*.
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(name)
	return string(r) + "*"
}

// MaskID keeps the first and last four characters of an ID number.
func MaskID(id string) string {
	if len(id) <= 8 {
		return strings.Repeat("*", len(id))
	}
	return id[:4] + strings.Repeat("*", len(id)-8) + id[len(id)-4:]
}

// Text redacts free text.
func (r *Redaction) Text(s string) string {
	for _, a := range r.addresses {
		s = strings.ReplaceAll(s, a, Removed)
	}
	for _, ph := range r.phones {
		s = strings.ReplaceAll(s, ph, Removed)
	}
	// ID numbers first, so their digits are not taken for an account; accounts before
	// phone numbers, so no phone-shaped run inside an account is left half removed.
	s = idNumberRe.ReplaceAllStringFunc(s, func(id string) string { return MaskID(strings.ToUpper(id)) })
	s = accountRe.ReplaceAllString(s, Removed)
	s = phoneRe.ReplaceAllString(s, Removed)
	for _, n := range r.names {
		s = strings.ReplaceAll(s, n, MaskName(n))
	}
	return s
}

// Party is how a party appears in public: organisations in full, persons masked and
// without address or phone.
func (r *Redaction) Party(p Party) Party {
	if p.Type == "org" {
		return Party{Type: p.Type, Name: p.Name, IDNumber: p.IDNumber}
	}
	return Party{Type: p.Type, Name: MaskName(p.Name), IDNumber: MaskID(p.IDNumber)}
}
