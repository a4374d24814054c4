package inspection

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Checks outside a draw: since the 2025 rules every check of an enterprise is either drawn
// or requested with a reason and approved by the agency's head, and shows the firm a
// signed inspection code before it begins.

// CheckReasons are why a check outside a draw is requested: code and label.
var CheckReasons = [][2]string{
	{"complaint", "投诉举报"}, {"referral", "转办交办"}, {"high_risk", "风险较高"}, {"followup", "问题复查"}, {"special", "专项检查"},
}

// CheckReasonLabel names a reason.
func CheckReasonLabel(code string) string {
	for _, r := range CheckReasons {
		if r[0] == code {
			return r[1]
		}
	}
	return ""
}

// CheckStates label a check's states as pages show them.
var CheckStates = map[string]string{"requested": "待审批", "refused": "未批准", "assigned": "待检查", "done": "已完成", "cancelled": "已作废",
	"merged": "已并入联合检查"}

// StateLabel is the check's state as pages show it.
func (c Check) StateLabel() string { return CheckStates[c.State] }

// Title is what a check is called: its task's name, or 计划外检查 and its reason.
func (c Check) Title() string {
	if c.Origin == "joint" {
		return "联合检查（综合查一次）"
	}
	if c.Origin == "request" && c.Reason != nil {
		return "计划外检查（" + CheckReasonLabel(*c.Reason) + "）"
	}
	return c.TaskName
}

// uniqueIDs keeps the first of each ID, in order.
func uniqueIDs(in []uuid.UUID) []uuid.UUID {
	var out []uuid.UUID
	for _, id := range in {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// RequestDays is how long a requested check's window stays open from its planned day.
const RequestDays = 15

// CheckRequest asks for a check outside a draw.
type CheckRequest struct {
	Firm       string      `json:"firm"` // the firm's unified social credit code
	MatterIDs  []uuid.UUID `json:"matter_ids"`
	Reason     string      `json:"reason"`
	ReasonNote string      `json:"reason_note"`
	OrderedBy  string      `json:"ordered_by"` // the document number of a higher level's order
	OfficerIDs []uuid.UUID `json:"officer_ids"`
	PlannedOn  string      `json:"planned_on"`
}

// validCertificates refuses officers who may not check: not of the agency, not active,
// or whose certificate does not last the check's whole period, from to until.
func (s *Service) validCertificates(ctx context.Context, q pgx.Tx, agency uuid.UUID, ids []uuid.UUID, from, until enforcement.Date, field string) error {
	type officer struct {
		ID     uuid.UUID
		Name   string
		Agency uuid.UUID
		Status string
		Until  enforcement.Date
	}
	rows, _ := q.Query(ctx, `SELECT id, name, agency_id, status, cert_valid_until FROM officers WHERE id = ANY($1)`, ids)
	os, err := pgx.CollectRows(rows, pgx.RowToStructByPos[officer])
	if err != nil {
		return enforcement.DBError(err, "执法人员")
	}
	if len(os) != len(ids) {
		return fault.Field(field, "执法人员不存在")
	}
	for _, o := range os {
		switch {
		case o.Agency != agency:
			return fault.Field(field, "%s不是本单位的执法人员", o.Name)
		case o.Status != "active":
			return fault.Field(field, "%s的执法证已%s，不能参加检查", o.Name, map[string]string{"suspended": "暂扣", "revoked": "注销"}[o.Status])
		case o.Until.Before(until):
			return fault.Field(field, "%s的执法证有效期至 %s，不能参加 %s 至 %s 的检查", o.Name, o.Until, from, until)
		}
	}
	return nil
}

// RequestCheck records an officer's request for a check outside a draw; the agency's head
// approves or refuses it. The officer and those named must hold certificates valid for
// the check's whole period (RequestDays from the planned day); two or more officers check
// together.
func (s *Service) RequestCheck(ctx context.Context, a enforcement.Actor, in CheckRequest) (Check, error) {
	if a.OfficerID == nil {
		return Check{}, fault.New(fault.Forbidden, "只有执法人员可以申请检查")
	}
	in.Firm = strings.ToUpper(strings.TrimSpace(in.Firm))
	in.ReasonNote, in.OrderedBy = strings.TrimSpace(in.ReasonNote), strings.TrimSpace(in.OrderedBy)
	today := s.Cases.Today()
	switch {
	case !enforcement.ValidCreditCode(in.Firm):
		return Check{}, fault.Field("firm", "请填写检查对象的 18 位统一社会信用代码（校验位不符）")
	case len(in.MatterIDs) == 0:
		return Check{}, fault.Field("matter_ids", "请选择至少一个检查事项")
	case CheckReasonLabel(in.Reason) == "":
		return Check{}, fault.Field("reason", "请选择检查事由：投诉举报、转办交办、风险较高、问题复查或专项检查")
	case in.ReasonNote == "" || utf8.RuneCountInString(in.ReasonNote) > 1000:
		return Check{}, fault.Field("reason_note", "请说明检查的具体理由，不超过 1000 字")
	case utf8.RuneCountInString(in.OrderedBy) > 100:
		return Check{}, fault.Field("ordered_by", "上级交办文号不超过 100 字")
	}
	planned, err := enforcement.ParseDate(in.PlannedOn)
	if err != nil || planned.Before(today) || planned.After(today.AddDays(90)) {
		return Check{}, fault.Field("planned_on", "计划检查日期应为 YYYY-MM-DD，在今天到 90 天之内")
	}
	// The requester first, then the others as named, each once.
	officers := uniqueIDs(append([]uuid.UUID{*a.OfficerID}, in.OfficerIDs...))
	matters := uniqueIDs(in.MatterIDs)
	if len(officers) < 2 {
		return Check{}, fault.Field("officer_ids", "行政检查应由两名以上执法人员进行，请再选择至少一名执法人员")
	}
	id := uuid.New()
	now := s.Cases.Now()
	err = pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) error {
		if err := s.validCertificates(ctx, tx, a.AgencyID, officers, planned, planned.AddDays(RequestDays-1), "officer_ids"); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM inspection_matters WHERE id = ANY($1) AND agency_id = $2`, matters, a.AgencyID).Scan(&n); err != nil {
			return err
		}
		if n != len(matters) {
			return fault.Field("matter_ids", "检查事项应为本单位检查事项清单中的事项")
		}
		var known bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inspection_targets WHERE code = $1)`, in.Firm).Scan(&known); err != nil {
			return err
		}
		if !known {
			return fault.Field("firm", "检查对象 %s 不在检查对象名录中", in.Firm)
		}
		_, err := tx.Exec(ctx, `INSERT INTO inspection_checks (id, origin, agency_id, matter_ids, target_code, inspector_ids, drawn_on, state,
			reason, reason_note, ordered_by, planned_on, due_on, requested_by, requested_at)
			VALUES ($1, 'request', $2, $3, $4, $5, $6, 'requested', $7, $8, $9, $6, $10, $11, $12)`,
			id, a.AgencyID, matters, in.Firm, officers, planned, in.Reason, in.ReasonNote, in.OrderedBy,
			planned.AddDays(RequestDays-1), a.UserID, now)
		return err
	})
	if err != nil {
		return Check{}, enforcement.DBError(err, "检查")
	}
	return s.FindCheck(ctx, a, id)
}

// DecideCheck approves or refuses a requested check: the agency's head, with a reason
// when refusing.
func (s *Service) DecideCheck(ctx context.Context, a enforcement.Actor, id uuid.UUID, approve bool, reason string) (Check, error) {
	if !a.Has(enforcement.RoleHead) {
		return Check{}, fault.New(fault.Forbidden, "只有本单位负责人可以审批检查")
	}
	reason = strings.TrimSpace(reason)
	if approve {
		reason = "" // a reason is for a refusal: typed in the box and then approved, it is no refusal's
	}
	if !approve && (reason == "" || utf8.RuneCountInString(reason) > 500) {
		return Check{}, fault.Field("reason", "请写明不予批准的理由，不超过 500 字")
	}
	c, err := s.FindCheck(ctx, a, id)
	if err != nil {
		return c, err
	}
	if c.AgencyID == nil || *c.AgencyID != a.AgencyID {
		return Check{}, fault.Hidden("检查不存在")
	}
	state := "assigned"
	if !approve {
		state = "refused"
	}
	err = pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) error {
		if approve {
			// Certificates are checked again: one may have lapsed since the request.
			due, err := enforcement.ParseDate(c.DueDate)
			if err != nil {
				return err
			}
			if err := s.validCertificates(ctx, tx, a.AgencyID, c.InspectorIDs, *c.PlannedOn, due, "officer_ids"); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `UPDATE inspection_checks SET state = $2, decided_by = $3, decided_at = $4, refuse_reason = $5
			WHERE id = $1 AND state = 'requested'`, id, state, a.UserID, s.Cases.Now(), reason)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fault.New(fault.Conflict, "该检查已%s", c.StateLabel())
		}
		return nil
	})
	if err != nil {
		return Check{}, enforcement.DBError(err, "检查")
	}
	if approve {
		// Another agency may plan to check the firm about then: propose one visit. The
		// approval stands whether or not a proposal could be made.
		if err := s.proposeJoint(ctx, c); err != nil && s.Warn != nil {
			s.Warn("joint check proposal failed", err)
		}
	}
	return s.FindCheck(ctx, a, id)
}

// Requests lists the checks requested of the actor's agency, waiting first.
func (s *Service) Requests(ctx context.Context, a enforcement.Actor, p enforcement.Page) (enforcement.List[Check], error) {
	if !a.Has(enforcement.RoleHead) {
		return enforcement.List[Check]{}, fault.New(fault.Forbidden, "只有本单位负责人可以审批检查")
	}
	q := enforcement.Query{Select: checkCols, From: checkFrom, Order: "c.state = 'requested' DESC, c.requested_at DESC"}
	q.And("c.origin = 'request' AND c.agency_id = ?", a.AgencyID)
	return enforcement.ListPage(ctx, s.Store.db, q, p, scanCheck)
}

// CodeKey is the key that signs inspection codes; the service is given it at start.
type CodeKey = ed25519.PrivateKey

// IssuedCode is a check's code and where it leads.
type IssuedCode struct {
	Code      string    `json:"code"`
	Path      string    `json:"path"` // /public/checks/{code}, on the site's public address
	ValidFrom time.Time `json:"valid_from"`
	ValidTo   time.Time `json:"valid_to"`
}

// claims are what a check's code binds now: its firm, matters, officers' certificates and
// window (from the draw's day, or the planned day, to the end of its period).
func (s *Service) claims(ctx context.Context, c Check) (CodeClaims, error) {
	rows, _ := s.Store.db.Query(ctx, `SELECT o.cert_no FROM unnest($1::uuid[]) WITH ORDINALITY u(id, n) JOIN officers o ON o.id = u.id ORDER BY u.n`, c.InspectorIDs)
	certs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return CodeClaims{}, enforcement.DBError(err, "执法人员")
	}
	return claimsOf(c, certs)
}

// claimsOf binds a check with its officers' certificate numbers, in the check's order.
func claimsOf(c Check, certs []string) (CodeClaims, error) {
	cl := CodeClaims{CheckID: c.ID, Firm: c.TargetCode, Matters: c.MatterIDs, Officers: certs}
	due, err := enforcement.ParseDate(c.DueDate)
	if err != nil {
		return cl, err
	}
	cl.ValidFrom, cl.ValidTo = c.DrawnOn.StartIn(), due.AddDays(1).StartIn()
	return cl, nil
}

// CheckCode gives an approved check's inspectors its code; the first time is recorded.
func (s *Service) CheckCode(ctx context.Context, a enforcement.Actor, id uuid.UUID) (IssuedCode, error) {
	if s.CodeKey == nil {
		return IssuedCode{}, fault.New(fault.Unavailable, "检查码签名密钥未配置")
	}
	c, err := s.FindCheck(ctx, a, id)
	if err != nil {
		return IssuedCode{}, err
	}
	if !c.Assigned(a.OfficerID) {
		return IssuedCode{}, fault.New(fault.Forbidden, "只有本次检查的执法人员可以出示检查码")
	}
	if c.State != "assigned" {
		return IssuedCode{}, fault.New(fault.Conflict, "该检查%s，没有可出示的检查码", c.StateLabel())
	}
	if err := s.checkCap(ctx, c); err != nil {
		return IssuedCode{}, err
	}
	cl, err := s.claims(ctx, c)
	if err != nil {
		return IssuedCode{}, err
	}
	code, err := SignCode(s.CodeKey, cl)
	if err != nil {
		return IssuedCode{}, err
	}
	if c.CodeIssuedAt == nil {
		// A joint check's code counts for each of its members' agencies.
		if _, err := s.Store.db.Exec(ctx, `UPDATE inspection_checks SET code_issued_at = $2 WHERE (id = $1 OR joint_id = $1) AND code_issued_at IS NULL`, id, s.Cases.Now()); err != nil {
			return IssuedCode{}, enforcement.DBError(err, "检查")
		}
	}
	return IssuedCode{Code: code, Path: "/public/checks/" + code, ValidFrom: cl.ValidFrom, ValidTo: cl.ValidTo}, nil
}

// Verdicts a code's public page gives: code and label.
var Verdicts = map[string]string{
	"valid": "有效", "expired": "已过期", "early": "尚未生效", "not_approved": "未批准", "cancelled": "已取消",
	"superseded": "已作废", "forged": "伪造", "done": "已完成",
}

// PublicOfficer is an officer as a code's page shows them: no photo, the certificate.
type PublicOfficer struct {
	Name       string           `json:"name"`
	CertNo     string           `json:"cert_no"`
	ValidUntil enforcement.Date `json:"cert_valid_until"`
	CertValid  bool             `json:"cert_valid"` // active, and valid today
}

// PublicMatter is a matter with its legal basis.
type PublicMatter struct {
	Name       string `json:"name"`
	LegalBasis string `json:"legal_basis"`
}

// PublicCheck is what anyone holding a code learns: the verdict first, then, unless the
// code is forged, whose check it is and of what.
type PublicCheck struct {
	Verdict      string          `json:"verdict"`
	VerdictLabel string          `json:"verdict_label"`
	Reason       string          `json:"reason"` // the verdict in a sentence
	Firm         string          `json:"firm,omitempty"`
	FirmName     string          `json:"firm_name,omitempty"`
	Agency       string          `json:"agency,omitempty"`
	Officers     []PublicOfficer `json:"officers,omitempty"`
	Matters      []PublicMatter  `json:"matters,omitempty"`
	ValidFrom    *time.Time      `json:"valid_from,omitempty"`
	ValidTo      *time.Time      `json:"valid_to,omitempty"`
	ScannedAt    *time.Time      `json:"scanned_at,omitempty"`
	Result       string          `json:"result,omitempty"`
	// FirmKey is given once, to whoever first opens the valid code (the firm's phone):
	// rating the check requires it.
	FirmKey string `json:"firm_key,omitempty"`
	checkID uuid.UUID
}

// FirstDay and LastDay are the window as days, the last one included: a window ends at
// midnight, and "to the 17th, 00:00" reads as if the 17th were in it.
func (p PublicCheck) FirstDay() enforcement.Date { return enforcement.DateOf(*p.ValidFrom) }
func (p PublicCheck) LastDay() enforcement.Date {
	return enforcement.DateOf(p.ValidTo.Add(-time.Second))
}

// VerifyPublic says what a code is worth now: its signature, then its check as it stands.
func (s *Service) VerifyPublic(ctx context.Context, code string) (PublicCheck, error) {
	forged := PublicCheck{Verdict: "forged", VerdictLabel: Verdicts["forged"], Reason: "此检查码不是本平台签发的，或已被改动，不能证明这是一次依法批准的检查。"}
	cl, err := s.codeClaims(code)
	if fault.KindOf(err) == fault.Unavailable {
		return PublicCheck{}, err
	}
	if err != nil {
		return forged, nil
	}
	rows, _ := s.Store.db.Query(ctx, `SELECT `+checkCols+` FROM `+checkFrom+` WHERE c.id = $1`, cl.CheckID)
	c, err := pgx.CollectExactlyOneRow(rows, scanCheck)
	if err == pgx.ErrNoRows {
		return forged, nil // signed by us for a check that never was: a key misused
	}
	if err != nil {
		return PublicCheck{}, enforcement.DBError(err, "检查")
	}
	p := PublicCheck{Firm: c.TargetCode, FirmName: c.TargetName, ValidFrom: &cl.ValidFrom, ValidTo: &cl.ValidTo, ScannedAt: c.ScannedAt, checkID: c.ID}
	if c.ResultLabel != "" {
		p.Result = c.ResultLabel
	}
	rows, _ = s.Store.db.Query(ctx, `SELECT o.name, o.cert_no, o.cert_valid_until, o.status = 'active' AND o.cert_valid_until >= $2
		FROM unnest($1::uuid[]) WITH ORDINALITY u(id, n) JOIN officers o ON o.id = u.id ORDER BY u.n`, c.InspectorIDs, s.Cases.Today())
	if p.Officers, err = pgx.CollectRows(rows, pgx.RowToStructByPos[PublicOfficer]); err != nil {
		return PublicCheck{}, enforcement.DBError(err, "执法人员")
	}
	rows, _ = s.Store.db.Query(ctx, `SELECT m.name, m.legal_basis FROM inspection_matters m WHERE m.id = ANY($1) ORDER BY m.name`, c.MatterIDs)
	if p.Matters, err = pgx.CollectRows(rows, pgx.RowToStructByPos[PublicMatter]); err != nil {
		return PublicCheck{}, enforcement.DBError(err, "检查事项")
	}
	if err := s.Store.db.QueryRow(ctx, `SELECT coalesce(`+InspectorAgencies+`, '') FROM inspection_checks c WHERE c.id = $1`, c.ID).Scan(&p.Agency); err != nil {
		return PublicCheck{}, enforcement.DBError(err, "执法单位")
	}
	// What the check binds now, from the officers just read (in the check's order).
	certs := make([]string, len(p.Officers))
	for i, o := range p.Officers {
		certs[i] = o.CertNo
	}
	now, err := claimsOf(c, certs)
	if err != nil {
		return PublicCheck{}, err
	}
	verdict, reason := "valid", "这是一次依法批准的检查，检查人员和事项如下；请核对检查人员的执法证件。"
	if c.Origin == "draw" {
		reason = "这是一次经双随机抽取、依法进行的检查，检查人员和事项如下；请核对检查人员的执法证件。"
	}
	switch {
	case c.State == "requested" || c.State == "refused":
		verdict, reason = "not_approved", "这次检查没有获得批准，检查人员不能凭此检查码入企检查。"
	case c.State == "cancelled":
		verdict, reason = "cancelled", "这次检查已经取消，检查人员不能凭此检查码入企检查。"
	case c.State == "merged":
		verdict, reason = "superseded", "这次检查已与其他部门对贵企业的检查合并为一次联合检查（综合查一次），此检查码已作废；请检查人员出示联合检查的检查码。"
	case !sameClaims(cl, now):
		verdict, reason = "superseded", "这次检查的人员、事项或时间已经变更，此检查码已作废；请检查人员出示新的检查码。"
	case c.State == "done":
		verdict, reason = "done", "这次检查已经完成，检查码不再用于入企检查。"
	case cl.Window(s.Cases.Now()) == "early":
		verdict, reason = "early", "还没到这次检查的时间，检查人员不能提前凭此检查码入企检查。"
	case cl.Window(s.Cases.Now()) == "closed":
		verdict, reason = "expired", "这次检查的期限已过，检查人员不能再凭此检查码入企检查。"
	}
	p.Verdict, p.VerdictLabel, p.Reason = verdict, Verdicts[verdict], reason
	return p, nil
}

// sameClaims compares what a code binds with what its check binds now.
func sameClaims(a, b CodeClaims) bool {
	return a.CheckID == b.CheckID && a.Firm == b.Firm && a.ValidFrom.Equal(b.ValidFrom) && a.ValidTo.Equal(b.ValidTo) &&
		slices.Equal(a.Matters, b.Matters) && slices.Equal(a.Officers, b.Officers)
}

// ScanCheck records the firm's first opening of a valid code (扫码入企) and returns what
// the code is worth; a code that is not valid records nothing. The first opening also
// gives the firm's key (FirmKey, once), which rating the check requires. A check being
// merged or begun at the same moment is not scanned: the update holds to the state read.
func (s *Service) ScanCheck(ctx context.Context, code string) (PublicCheck, error) {
	p, err := s.VerifyPublic(ctx, code)
	if err != nil || p.Verdict != "valid" || p.ScannedAt != nil {
		return p, err
	}
	now := s.Cases.Now().UTC().Truncate(time.Microsecond) // as PostgreSQL keeps it
	key := make([]byte, 16)
	if _, err := rand.Read(key); err != nil {
		return p, err
	}
	firmKey := base64.RawURLEncoding.EncodeToString(key)
	sum := sha256.Sum256([]byte(firmKey))
	tag, err := s.Store.db.Exec(ctx, `UPDATE inspection_checks SET scanned_at = $2, firm_key_hash = $3
		WHERE id = $1 AND scanned_at IS NULL AND state = 'assigned'`, p.checkID, now, sum[:])
	if err != nil {
		return p, enforcement.DBError(err, "检查")
	}
	if tag.RowsAffected() == 1 {
		p.ScannedAt, p.FirmKey = &now, firmKey
	}
	return p, nil
}
