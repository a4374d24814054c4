package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
)

// The automatic pre-checks: what a file's records can prove before a person reads it.
const (
	CheckOfficers       = "officers"
	CheckCertificates   = "certificates"
	CheckDecideDeadline = "decide_deadline"
	CheckServeDeadline  = "serve_deadline"
	CheckLegalReview    = "legal_review"
	CheckCollective     = "collective"
	CheckAV             = "av_record"
	CheckDisclosure     = "disclosure"
	CheckChain          = "chain"
)

// checkTitles names each pre-check, in the order the scoring page lists them.
var checkTitles = []struct{ code, title string }{
	{CheckOfficers, "两名以上执法人员承办"},
	{CheckCertificates, "承办人员持有效执法证件"},
	{CheckDecideDeadline, "立案之日起 90 日内作出决定"},
	{CheckServeDeadline, "决定作出后 7 个工作日内送达"},
	{CheckLegalReview, "重大执法决定经法制审核通过"},
	{CheckCollective, "需要集体讨论的经集体讨论"},
	{CheckAV, "法定环节留存音像记录"},
	{CheckDisclosure, "执法决定按时公示"},
	{CheckChain, "全过程记录哈希链完整"},
}

func knownCheck(code string) bool {
	return slices.ContainsFunc(checkTitles, func(c struct{ code, title string }) bool { return c.code == code })
}

// CheckStatus is a pre-check's finding.
type CheckStatus string

// Findings.
const (
	CheckPass CheckStatus = "pass"
	CheckFail CheckStatus = "fail"
	CheckNA   CheckStatus = "na" // the rule does not apply to this file
)

// Label is the finding as the scoring page shows it.
func (s CheckStatus) Label() string {
	switch s {
	case CheckPass:
		return "符合"
	case CheckFail:
		return "不符合"
	}
	return "不适用"
}

// Finding is one pre-check's result on a file, with the deduction it suggests under the
// campaign's rubric when it fails.
type Finding struct {
	Check     string      `json:"check"`
	Title     string      `json:"title"`
	Status    CheckStatus `json:"status"`
	Detail    string      `json:"detail"`
	ItemCode  string      `json:"item_code,omitempty"`
	Suggested float64     `json:"suggested_points,omitempty"`
	Veto      bool        `json:"veto,omitempty"`
}

// Precheck runs every pre-check on a case and attaches the rubric's suggestions.
func (s *Service) Precheck(ctx context.Context, caseID uuid.UUID, r *Rubric) ([]Finding, error) {
	c, err := s.Cases.Store.FindCase(ctx, caseID)
	if err != nil {
		return nil, err
	}
	cal, err := s.Cases.Store.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	found := map[string]Finding{}
	set := func(code string, st CheckStatus, format string, args ...any) {
		found[code] = Finding{Check: code, Status: st, Detail: fmt.Sprintf(format, args...)}
	}

	// Handlers and their certificates as of the decision, or the filing when none was made.
	acted := c.FiledAt
	if c.DecidedAt != nil {
		acted = *c.DecidedAt
	}
	type handler struct {
		name   string
		status string
		until  time.Time
	}
	rows, _ := s.db.Query(ctx, `SELECT o.name, o.status, o.cert_valid_until FROM case_handlers h JOIN officers o ON o.id = h.officer_id
		WHERE h.case_id = $1 ORDER BY o.name`, caseID)
	hs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (handler, error) {
		var h handler
		err := row.Scan(&h.name, &h.status, &h.until)
		return h, err
	})
	if err != nil {
		return nil, enforcement.DBError(err, "承办人员")
	}
	names := make([]string, len(hs))
	var invalid []string
	actedOn := enforcement.DateOf(acted)
	for i, h := range hs {
		names[i] = h.name
		until := enforcement.MustDate(h.until.Year(), h.until.Month(), h.until.Day())
		if h.status != "active" || until.Before(actedOn) {
			invalid = append(invalid, h.name)
		}
	}
	if len(hs) >= 2 {
		set(CheckOfficers, CheckPass, "承办人员 %d 人：%s", len(hs), strings.Join(names, "、"))
	} else {
		set(CheckOfficers, CheckFail, "承办人员只有 %d 人%s", len(hs), prefixed("：", strings.Join(names, "、")))
	}
	switch {
	case len(hs) == 0:
		set(CheckCertificates, CheckFail, "没有登记承办人员")
	case len(invalid) > 0:
		set(CheckCertificates, CheckFail, "%s的执法证件在 %s 时已失效或被暂停", strings.Join(invalid, "、"), actedOn)
	default:
		set(CheckCertificates, CheckPass, "承办人员在 %s 均持有效执法证件", actedOn)
	}

	k := c.Clocks(cal, s.Cases.Now())
	switch {
	case c.Kind == "inspection":
		set(CheckDecideDeadline, CheckNA, "行政检查以检查结果办结，不适用")
	case c.DecidedAt == nil:
		set(CheckDecideDeadline, CheckNA, "本案以“%s”办结，未作出决定", c.State.Label())
	case enforcement.DateOf(*c.DecidedAt).After(k.DecideBy):
		set(CheckDecideDeadline, CheckFail, "立案 %s，%s 才作出决定，超过期限 %s", enforcement.DateOf(c.FiledAt), enforcement.DateOf(*c.DecidedAt), k.DecideBy)
	default:
		set(CheckDecideDeadline, CheckPass, "立案 %s，%s 作出决定（期限 %s）", enforcement.DateOf(c.FiledAt), enforcement.DateOf(*c.DecidedAt), k.DecideBy)
	}
	switch {
	case c.DecidedAt == nil:
		set(CheckServeDeadline, CheckNA, "未作出决定，无需送达")
	case c.ServedAt == nil:
		set(CheckServeDeadline, CheckFail, "决定作出于 %s，没有送达记录（期限 %s）", enforcement.DateOf(*c.DecidedAt), k.ServeBy)
	case enforcement.DateOf(*c.ServedAt).After(k.ServeBy):
		set(CheckServeDeadline, CheckFail, "%s 才送达，超过期限 %s", enforcement.DateOf(*c.ServedAt), k.ServeBy)
	default:
		set(CheckServeDeadline, CheckPass, "%s 送达（期限 %s）", enforcement.DateOf(*c.ServedAt), k.ServeBy)
	}

	if err := s.reviewFindings(ctx, &c, set); err != nil {
		return nil, err
	}
	if err := s.recordFindings(ctx, &c, set); err != nil {
		return nil, err
	}
	if err := s.disclosureFinding(ctx, &c, cal, set); err != nil {
		return nil, err
	}

	out := make([]Finding, 0, len(checkTitles))
	for _, ct := range checkTitles {
		f := found[ct.code]
		f.Title = ct.title
		if r != nil {
			for _, it := range r.Items {
				if it.Check == f.Check {
					f.ItemCode = it.Code
					if f.Status == CheckFail {
						f.Suggested, f.Veto = it.MaxPoints, it.Group == GroupVeto
					}
					break
				}
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

// reviewFindings: a major decision needs an approved review that covers it; a complex
// or serious case needs a recorded collective discussion.
func (s *Service) reviewFindings(ctx context.Context, c *enforcement.Case, set func(string, CheckStatus, string, ...any)) error {
	var collective bool
	if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM records WHERE case_id = $1 AND kind = 'collective')`, c.ID).Scan(&collective); err != nil {
		return enforcement.DBError(err, "记录")
	}
	switch {
	case !c.NeedsCollective():
		set(CheckCollective, CheckNA, "本案未标注为情节复杂或重大违法行为")
	case collective:
		set(CheckCollective, CheckPass, "有机关负责人集体讨论记录")
	default:
		set(CheckCollective, CheckFail, "本案标注为情节复杂或重大违法行为，没有集体讨论记录")
	}
	if c.Decision == nil {
		set(CheckLegalReview, CheckNA, "未作出决定")
		return nil
	}
	crit, err := s.criteriaAt(ctx, c)
	if err != nil {
		return err
	}
	reasons := crit.Reasons(c, *c.Decision)
	if len(reasons) == 0 {
		set(CheckLegalReview, CheckNA, "不属于重大执法决定")
		return nil
	}
	rs, err := s.Cases.Store.CaseReviews(ctx, c.ID)
	if err != nil {
		return err
	}
	why := "属于重大执法决定（" + strings.Join(reasons, "；") + "）"
	if len(rs) == 0 {
		set(CheckLegalReview, CheckFail, "%s，没有法制审核记录", why)
		return nil
	}
	last := rs[len(rs)-1]
	if last.State != enforcement.ReviewApproved {
		set(CheckLegalReview, CheckFail, "%s，最近一轮（第 %d 轮）审核结论为“%s”", why, last.Round, last.State.Label())
		return nil
	}
	if ok, diff := last.Decision.Covers(*c.Decision); !ok {
		set(CheckLegalReview, CheckFail, "%s，作出的决定与审核通过的不同：%s", why, diff)
		return nil
	}
	set(CheckLegalReview, CheckPass, "%s，第 %d 轮法制审核通过", why, last.Round)
	return nil
}

// criteriaAt is the agency's catalogue of major decisions as it stood when the case was
// decided: the decision gate judged the decision by that version, and a threshold lowered
// later must not turn a file that needed no review into one that lacks it. Before the
// agency's first version the default applies, as it did at the gate.
func (s *Service) criteriaAt(ctx context.Context, c *enforcement.Case) (enforcement.MajorCriteria, error) {
	if c.DecidedAt == nil {
		return s.Cases.Store.Criteria(ctx, c.AgencyID)
	}
	return s.Cases.Store.CriteriaAt(ctx, c.AgencyID, *c.DecidedAt)
}

// recordFindings: audio-video files where a measure needs them, and the hash chain.
func (s *Service) recordFindings(ctx context.Context, c *enforcement.Case, set func(string, CheckStatus, string, ...any)) error {
	rows, _ := s.db.Query(ctx, `SELECT r.stage, bool_or(m.content_type LIKE 'audio/%' OR m.content_type LIKE 'video/%')
		FROM records r LEFT JOIN media m ON m.record_id = r.id WHERE r.case_id = $1 GROUP BY r.stage`, c.ID)
	av := map[enforcement.State]bool{}
	var stage enforcement.State
	var has *bool
	if _, err := pgx.ForEachRow(rows, []any{&stage, &has}, func() error {
		av[stage] = has != nil && *has
		return nil
	}); err != nil {
		return enforcement.DBError(err, "记录")
	}
	var need, missing []string
	for st := range av {
		for _, m := range c.AVRequired(st) {
			need = append(need, m.Label)
			if !av[st] {
				missing = append(missing, m.Label+"（"+st.Label()+"）")
			}
		}
	}
	slices.Sort(need)
	slices.Sort(missing)
	switch {
	case len(need) == 0:
		set(CheckAV, CheckNA, "本案没有须全程音像记录的执法环节")
	case len(missing) > 0:
		set(CheckAV, CheckFail, "缺少音像记录：%s", strings.Join(missing, "、"))
	default:
		set(CheckAV, CheckPass, "%s均有音像记录", strings.Join(slices.Compact(need), "、"))
	}
	v, err := s.Evidence.Store.Verify(ctx, c.ID)
	if err != nil {
		return err
	}
	if v.OK {
		set(CheckChain, CheckPass, "%d 条记录，哈希链完整", v.RecordsChecked)
	} else {
		first := ""
		if len(v.Problems) > 0 {
			first = "：" + v.Problems[0].Message
		}
		set(CheckChain, CheckFail, "哈希链校验发现 %d 处问题%s", len(v.Problems), first)
	}
	return nil
}

// disclosureFinding: the decision's disclosure item published within its working days.
func (s *Service) disclosureFinding(ctx context.Context, c *enforcement.Case, cal *enforcement.Calendar, set func(string, CheckStatus, string, ...any)) error {
	var id uuid.UUID
	err := s.db.QueryRow(ctx, `SELECT id FROM disclosures WHERE case_id = $1 AND kind = 'decision'`, c.ID).Scan(&id)
	if err == pgx.ErrNoRows {
		if c.Decision == nil {
			set(CheckDisclosure, CheckNA, "未作出决定，无需公示")
		} else {
			set(CheckDisclosure, CheckNA, "本案决定不属于应当公示的范围")
		}
		return nil
	}
	if err != nil {
		return enforcement.DBError(err, "公示")
	}
	d, err := s.Cases.Store.FindDisclosure(ctx, id)
	if err != nil {
		return err
	}
	today := s.Cases.Today()
	d.Settle(cal, today)
	switch {
	case d.PublishedAt != nil && enforcement.DateOf(*d.PublishedAt).After(d.DueAt):
		set(CheckDisclosure, CheckFail, "%s 才公示，超过期限 %s", enforcement.DateOf(*d.PublishedAt), d.DueAt)
	case d.PublishedAt != nil:
		set(CheckDisclosure, CheckPass, "%s 公示（期限 %s）", enforcement.DateOf(*d.PublishedAt), d.DueAt)
	case d.State == "withdrawn":
		set(CheckDisclosure, CheckNA, "公示事项已撤回")
	case d.Overdue:
		set(CheckDisclosure, CheckFail, "应于 %s 前公示，至今未公示", d.DueAt)
	default:
		set(CheckDisclosure, CheckNA, "尚在公示期限内（%s 前）", d.DueAt)
	}
	return nil
}
