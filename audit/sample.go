package audit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"zhifa/inspection"
)

// SampleAlgorithm names the sampling of case files described in SAMPLE.md.
const SampleAlgorithm = "zhifa-sample-1"

// Stratum is one agency's files in a campaign's pool: their case numbers sorted by byte
// value, and how many the sample takes.
type Stratum struct {
	AgencyID uuid.UUID `json:"agency_id"`
	Size     int       `json:"size"`
	Take     int       `json:"take"`
	Numbers  []string  `json:"-"`
}

// Evaluator is an evaluator as the pool lists them.
type Evaluator struct {
	UserID   uuid.UUID `json:"user_id"`
	AgencyID uuid.UUID `json:"agency_id"`
}

// Handled is a file an evaluator handled as an officer, which they may not score.
type Handled struct {
	UserID uuid.UUID
	Number string
}

// Pool is everything the sample is drawn from, in listing order.
type Pool struct {
	EvaluationID uuid.UUID
	Commitment   string
	Strata       []Stratum   // by agency ID as text
	Evaluators   []Evaluator // by user ID as text
	Handled      []Handled   // by user ID as text, then number
}

func (p *Pool) sort() {
	slices.SortFunc(p.Strata, func(a, b Stratum) int { return strings.Compare(a.AgencyID.String(), b.AgencyID.String()) })
	for i := range p.Strata {
		slices.Sort(p.Strata[i].Numbers)
		p.Strata[i].Size = len(p.Strata[i].Numbers)
	}
	slices.SortFunc(p.Evaluators, func(a, b Evaluator) int { return strings.Compare(a.UserID.String(), b.UserID.String()) })
	slices.SortFunc(p.Handled, func(a, b Handled) int {
		if c := strings.Compare(a.UserID.String(), b.UserID.String()); c != 0 {
			return c
		}
		return strings.Compare(a.Number, b.Number)
	})
}

// Size is the number of files in the pool.
func (p *Pool) Size() int {
	n := 0
	for _, s := range p.Strata {
		n += s.Size
	}
	return n
}

// WriteListing writes the pool listing whose SHA-256 is the pool hash (SAMPLE.md §2).
func (p *Pool) WriteListing(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s\nevaluation %s\ncommitment %s\n", SampleAlgorithm, p.EvaluationID, p.Commitment)
	for _, s := range p.Strata {
		fmt.Fprintf(bw, "stratum %s %d %d\n", s.AgencyID, s.Size, s.Take)
		for _, n := range s.Numbers {
			bw.WriteString(n)
			bw.WriteByte('\n')
		}
	}
	fmt.Fprintf(bw, "evaluators %d\n", len(p.Evaluators))
	for _, e := range p.Evaluators {
		fmt.Fprintf(bw, "%s %s\n", e.UserID, e.AgencyID)
	}
	fmt.Fprintf(bw, "handled %d\n", len(p.Handled))
	for _, h := range p.Handled {
		fmt.Fprintf(bw, "%s %s\n", h.UserID, h.Number)
	}
	bw.WriteString("end\n")
	return bw.Flush()
}

// Listing is the pool listing as text, and its hash.
func (p *Pool) Listing() (string, string) {
	var b bytes.Buffer
	_ = p.WriteListing(&b)
	sum := sha256.Sum256(b.Bytes())
	return b.String(), hex.EncodeToString(sum[:])
}

// Pick is one sampled file and its evaluator.
type Pick struct {
	Number    string
	AgencyID  uuid.UUID
	Evaluator int // index into Pool.Evaluators
}

// ErrNoEvaluator reports a sampled file that no evaluator may score.
var ErrNoEvaluator = errors.New("no evaluator may score a sampled file")

// Sample draws the files and assigns evaluators (SAMPLE.md §3–4).
func Sample(seed []byte, p *Pool) ([]Pick, error) {
	var picks []Pick
	for _, s := range p.Strata {
		if s.Take == 0 {
			continue
		}
		for _, i := range inspection.SelectIndices(seed, s.AgencyID.String(), s.Size, s.Take) {
			picks = append(picks, Pick{Number: s.Numbers[i], AgencyID: s.AgencyID})
		}
	}
	barred := map[Handled]bool{}
	for _, h := range p.Handled {
		barred[h] = true
	}
	order := inspection.Shuffle(seed, "evaluators", len(p.Evaluators))
	load := make([]int, len(p.Evaluators))
	for i := range picks {
		best := -1
		for _, e := range order {
			ev := p.Evaluators[e]
			if ev.AgencyID == picks[i].AgencyID || barred[Handled{ev.UserID, picks[i].Number}] {
				continue
			}
			if best < 0 || load[e] < load[best] {
				best = e
			}
		}
		if best < 0 {
			return nil, fmt.Errorf("%w: %s", ErrNoEvaluator, picks[i].Number)
		}
		picks[i].Evaluator = best
		load[best]++
	}
	return picks, nil
}

// WriteResult writes the result listing whose SHA-256 is the result hash: one line per
// sampled file, "seq number evaluator-user-id".
func WriteResult(w io.Writer, p *Pool, picks []Pick) error {
	bw := bufio.NewWriter(w)
	for i, pk := range picks {
		bw.WriteString(strconv.Itoa(i + 1))
		bw.WriteByte(' ')
		bw.WriteString(pk.Number)
		bw.WriteByte(' ')
		bw.WriteString(p.Evaluators[pk.Evaluator].UserID.String())
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// ResultHash is the hex SHA-256 of the result listing.
func ResultHash(p *Pool, picks []Pick) string {
	h := sha256.New()
	_ = WriteResult(h, p, picks)
	return hex.EncodeToString(h.Sum(nil))
}

// ParseListing reads a pool listing back, refusing anything out of its canonical form.
func ParseListing(text string) (*Pool, error) {
	lines := strings.Split(text, "\n")
	if len(lines) < 6 || lines[len(lines)-1] != "" || lines[len(lines)-2] != "end" {
		return nil, errors.New("listing does not end with \"end\"")
	}
	lines = lines[:len(lines)-2]
	at := 0
	next := func() (string, bool) {
		if at >= len(lines) {
			return "", false
		}
		at++
		return lines[at-1], true
	}
	bad := func(what string) error { return fmt.Errorf("listing line %d: %s", at, what) }
	p := &Pool{}
	if l, _ := next(); l != SampleAlgorithm {
		return nil, bad("not " + SampleAlgorithm)
	}
	l, _ := next()
	id, ok := strings.CutPrefix(l, "evaluation ")
	var err error
	if p.EvaluationID, err = uuid.Parse(id); !ok || err != nil {
		return nil, bad("evaluation id")
	}
	l, _ = next()
	if p.Commitment, ok = strings.CutPrefix(l, "commitment "); !ok {
		return nil, bad("commitment")
	}
	for {
		l, ok = next()
		if !ok {
			return nil, bad("evaluators missing")
		}
		f := strings.Fields(l)
		if len(f) == 2 && f[0] == "evaluators" {
			break
		}
		if len(f) != 4 || f[0] != "stratum" {
			return nil, bad("stratum expected")
		}
		var s Stratum
		if s.AgencyID, err = uuid.Parse(f[1]); err != nil {
			return nil, bad("agency id")
		}
		s.Size, err = strconv.Atoi(f[2])
		if err != nil || s.Size < 0 || at+s.Size > len(lines) {
			return nil, bad("stratum size")
		}
		if s.Take, err = strconv.Atoi(f[3]); err != nil || s.Take < 0 || s.Take > s.Size {
			return nil, bad("stratum take")
		}
		s.Numbers = lines[at : at+s.Size]
		at += s.Size
		p.Strata = append(p.Strata, s)
	}
	f := strings.Fields(l)
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 0 || at+n > len(lines) {
		return nil, bad("evaluator count")
	}
	for range n {
		l, _ = next()
		f := strings.Fields(l)
		var e Evaluator
		if len(f) != 2 {
			return nil, bad("evaluator")
		}
		if e.UserID, err = uuid.Parse(f[0]); err != nil {
			return nil, bad("evaluator id")
		}
		if e.AgencyID, err = uuid.Parse(f[1]); err != nil {
			return nil, bad("evaluator agency")
		}
		p.Evaluators = append(p.Evaluators, e)
	}
	l, _ = next()
	f = strings.Fields(l)
	if len(f) != 2 || f[0] != "handled" {
		return nil, bad("handled expected")
	}
	if n, err = strconv.Atoi(f[1]); err != nil || n < 0 || at+n != len(lines) {
		return nil, bad("handled count")
	}
	for range n {
		l, _ = next()
		uid, num, ok := strings.Cut(l, " ")
		var h Handled
		if h.UserID, err = uuid.Parse(uid); !ok || err != nil {
			return nil, bad("handled pair")
		}
		h.Number = num
		p.Handled = append(p.Handled, h)
	}
	return p, nil
}
