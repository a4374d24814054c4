package enforcement

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"zhifa/fault"
)

// The signatures a certificate's QR code may carry, as the caller checked them.
const (
	SignatureValid   = "valid"
	SignatureInvalid = "invalid"
	SignatureAbsent  = "absent" // the number was typed, not scanned
)

// The verdicts a certificate check gives the person holding the phone.
const (
	VerdictValid      = "valid"      // the certificate may be used today
	VerdictNotValid   = "not_valid"  // it exists but may not be used today
	VerdictUnverified = "unverified" // the code's signature is wrong: not issued by zhifa
)

// PublicCertificate is what anyone scanning a certificate's code may know: nothing
// private, and nothing of the holder when the code cannot be verified.
type PublicCertificate struct {
	CertNo     string   `json:"cert_no"`
	Found      bool     `json:"found"`
	Signature  string   `json:"signature"` // valid, invalid or absent
	Status     string   `json:"status"`    // active, expired, suspended, revoked or unknown
	StatusText string   `json:"status_text"`
	ValidToday bool     `json:"valid_today"`
	Verdict    string   `json:"verdict"`
	Name       string   `json:"name,omitempty"`
	Agency     string   `json:"agency,omitempty"`
	Fields     []string `json:"fields,omitempty"`
	ValidUntil string   `json:"valid_until,omitempty"`
	Contact    *Contact `json:"contact,omitempty"` // whom to call when in doubt
}

// CertificateOf is what the public may know of an officer's certificate today.
func CertificateOf(o Officer, today Date, signature string) PublicCertificate {
	st := o.EffectiveStatus(today)
	verdict := VerdictNotValid
	if st == OfficerActive {
		verdict = VerdictValid
	}
	return PublicCertificate{CertNo: o.CertNo, Found: true, Signature: signature, Status: string(st), StatusText: st.Label(),
		ValidToday: st == OfficerActive, Verdict: verdict, Name: o.Name, Agency: o.AgencyName, Fields: o.Fields,
		ValidUntil: o.CertValidUntil.String()}
}

// CheckCertificate answers a scan of a certificate's code. A code whose signature failed
// is unverified whatever the number says, and tells only whom to call; a certificate
// that may not be used today says so, with the number to call too.
func (s *Service) CheckCertificate(ctx context.Context, certNo, signature string) (PublicCertificate, error) {
	pc := PublicCertificate{CertNo: certNo, Signature: signature, Status: "unknown", StatusText: "查无此证", Verdict: VerdictNotValid}
	var agencyID *uuid.UUID
	o, err := s.Store.FindOfficerByCert(ctx, certNo)
	switch {
	case err == nil:
		agencyID = &o.AgencyID
		if signature != SignatureInvalid {
			pc = CertificateOf(o, s.Today(), signature)
		}
	case !fault.Is(err, fault.NotFound):
		return pc, err
	}
	if signature == SignatureInvalid {
		pc.Verdict, pc.StatusText = VerdictUnverified, "无法核验"
	}
	if pc.Verdict != VerdictValid {
		ct, err := s.CertificateContact(ctx, agencyID)
		if err != nil {
			return pc, err
		}
		if ct.Phone != "" {
			pc.Contact = &ct
		}
	}
	return pc, nil
}

// CertificateContact finds whom the public calls about a certificate: the holder's
// agency when it has a number, otherwise the nearest justice bureau above it that has
// one; with no agency (a number zhifa never issued), the highest justice bureau.
func (s *Service) CertificateContact(ctx context.Context, agencyID *uuid.UUID) (Contact, error) {
	cands, err := s.Store.contactCandidates(ctx, agencyID)
	if err != nil || len(cands) == 0 {
		return Contact{}, err
	}
	var own *Agency
	for i := range cands {
		if agencyID != nil && cands[i].ID == *agencyID {
			if cands[i].Phone != "" {
				return Contact{Name: cands[i].Name, Phone: cands[i].Phone}, nil
			}
			own = &cands[i]
		}
	}
	var best *Agency
	for i := range cands {
		c := &cands[i]
		if c.Kind != KindJustice || c.Phone == "" {
			continue
		}
		prefix := RegionPrefix(c.RegionCode)
		switch {
		case own != nil && !strings.HasPrefix(own.RegionCode, prefix):
			continue // a bureau of another region
		case best == nil:
			best = c
		case own != nil && len(prefix) > len(RegionPrefix(best.RegionCode)): // nearer above the holder
			best = c
		case own == nil && len(prefix) < len(RegionPrefix(best.RegionCode)): // higher, for an unknown number
			best = c
		}
	}
	if best == nil {
		return Contact{}, nil
	}
	return Contact{Name: best.Name, Phone: best.Phone}, nil
}
