package evidence

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Documents in the field (执法文书): what an officer hands the party and the party signs.
// Each kind is data: its fields (and where in the case each is filled from), the text of its
// sections with the fields in braces, its number pattern and who signs it. A kind is kept
// in versions, never changed: a document names the version it was made from.

// FieldTypes are the kinds of value a document field holds.
var FieldTypes = map[string]string{
	"text": "文字", "longtext": "多行文字", "date": "日期", "datetime": "日期时间", "money": "金额", "people": "人员", "list": "清单",
}

// FieldSources are where in a case a field is filled from; a field without one is typed
// by the officer.
var FieldSources = map[string]string{
	"agency.name": "执法机关名称", "case.number": "案件编号", "case.cause": "案由", "case.parties": "当事人",
	"case.handlers": "执法人员及证号", "case.location": "地点", "case.occurred_at": "发生时间", "case.legal_basis": "法律依据",
	"decision.text": "决定内容", "decision.fine_amount": "罚款金额", "today": "当日日期",
}

// Families group kinds as a case's steps need them.
var Families = map[string]string{"record": "笔录", "notice": "告知书、通知书", "decision": "决定书", "service": "送达文书", "list": "清单"}

// Signers are who may sign a document.
var Signers = map[string]string{"party": "当事人", "officer": "执法人员", "witness": "见证人"}

// DocumentField is one field of a kind.
type DocumentField struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	Type     string `json:"type"`
	Source   string `json:"source,omitempty"`
	Required bool   `json:"required"`
}

// DocumentSection is one part of a document's body: a heading (may be empty) and text in
// which {key} stands for a field's value.
type DocumentSection struct {
	Heading string `json:"heading,omitempty"`
	Text    string `json:"text"`
}

// DocumentKind is one version of a kind of document.
type DocumentKind struct {
	ID      uuid.UUID `json:"id"`
	Version int       `json:"version"`
	DocumentKindInput
	CreatedAt time.Time `json:"created_at"`
	platform  bool      // a default kind as the platform wrote it, not an administrator
}

// DocumentKindInput is a kind, or the next version of one with the same code.
type DocumentKindInput struct {
	Code          string            `json:"code"`
	Name          string            `json:"name"`
	Family        string            `json:"family"`
	NumberPattern string            `json:"number_pattern"`
	Fields        []DocumentField   `json:"fields"`
	Sections      []DocumentSection `json:"sections"`
	Signers       []string          `json:"signers"`
	// Stages are the case states at which the document is made; none: any open state.
	Stages []enforcement.State `json:"stages"`
}

var (
	kindCodeRe    = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)
	fieldKeyRe    = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	placeholderRe = regexp.MustCompile(`\{([^{}]*)\}`)
	numberParts   = map[string]bool{"agency": true, "year": true, "seq": true}
)

// Validate checks a kind whole: every placeholder names a field, every field is typed
// and sourced from what a case has.
func (in *DocumentKindInput) Validate() error {
	in.Code, in.Name, in.NumberPattern = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name), strings.TrimSpace(in.NumberPattern)
	switch {
	case !kindCodeRe.MatchString(in.Code):
		return fault.Field("code", "文书代码应为小写英文字母开头的字母、数字或下划线，2 到 40 个字符")
	case in.Name == "" || utf8.RuneCountInString(in.Name) > 50:
		return fault.Field("name", "请填写文书名称，不超过 50 字")
	case Families[in.Family] == "":
		return fault.Field("family", "文书类别应为 record、notice、decision、service 或 list")
	case len(in.Fields) == 0 || len(in.Fields) > 60:
		return fault.Field("fields", "文书应有 1 到 60 个字段")
	case len(in.Sections) == 0 || len(in.Sections) > 40:
		return fault.Field("sections", "文书正文应有 1 到 40 段")
	}
	for _, m := range placeholderRe.FindAllStringSubmatch(in.NumberPattern, -1) {
		if !numberParts[m[1]] {
			return fault.Field("number_pattern", "文号格式中只能使用 {agency}、{year} 和 {seq}，不认识“{%s}”", m[1])
		}
	}
	if in.NumberPattern != "" && !strings.Contains(in.NumberPattern, "{seq}") {
		return fault.Field("number_pattern", "文号格式应含序号 {seq}")
	}
	keys := map[string]bool{}
	for i := range in.Fields {
		f := &in.Fields[i]
		f.Key, f.Label = strings.TrimSpace(f.Key), strings.TrimSpace(f.Label)
		switch {
		case !fieldKeyRe.MatchString(f.Key):
			return fault.Field("fields", "第 %d 个字段的代码应为小写英文字母开头的字母、数字或下划线", i+1)
		case keys[f.Key]:
			return fault.Field("fields", "字段代码“%s”重复", f.Key)
		case f.Label == "" || utf8.RuneCountInString(f.Label) > 30:
			return fault.Field("fields", "字段“%s”应有不超过 30 字的名称", f.Key)
		case FieldTypes[f.Type] == "":
			return fault.Field("fields", "字段“%s”的类型应为 text、longtext、date、datetime、money、people 或 list", f.Key)
		case f.Source != "" && FieldSources[f.Source] == "":
			return fault.Field("fields", "字段“%s”的来源“%s”不是案件中的信息", f.Key, f.Source)
		case (f.Source == "today" && f.Type != "date") || (f.Source == "case.occurred_at" && f.Type != "datetime"):
			// A source fills in its own form: the day as a date, the time of the facts as a time.
			return fault.Field("fields", "字段“%s”的来源“%s”与类型“%s”不符", f.Key, FieldSources[f.Source], FieldTypes[f.Type])
		case (f.Type == "date" || f.Type == "datetime") && f.Source != "" && f.Source != "today" && f.Source != "case.occurred_at":
			return fault.Field("fields", "字段“%s”是%s，只能从“当日日期”或“发生时间”填入", f.Key, FieldTypes[f.Type])
		}
		keys[f.Key] = true
	}
	for i := range in.Sections {
		sec := &in.Sections[i]
		sec.Heading, sec.Text = strings.TrimSpace(sec.Heading), strings.TrimSpace(sec.Text)
		if sec.Text == "" || utf8.RuneCountInString(sec.Text) > 5000 || utf8.RuneCountInString(sec.Heading) > 50 {
			return fault.Field("sections", "第 %d 段正文不能为空，不超过 5000 字，标题不超过 50 字", i+1)
		}
		for _, m := range placeholderRe.FindAllStringSubmatch(sec.Text, -1) {
			if !keys[m[1]] {
				return fault.Field("sections", "第 %d 段正文中的“{%s}”不是本文书的字段", i+1, m[1])
			}
		}
	}
	if len(in.Signers) == 0 {
		return fault.Field("signers", "请列明签名的人：party（当事人）、officer（执法人员）或 witness（见证人）")
	}
	for _, st := range in.Stages {
		if !enforcement.ValidState(st) || !st.Open() {
			return fault.Field("stages", "“%s”不是案件办理中的环节", st)
		}
	}
	if in.Stages == nil {
		in.Stages = []enforcement.State{}
	}
	seen := map[string]bool{}
	for _, sg := range in.Signers {
		if Signers[sg] == "" || seen[sg] {
			return fault.Field("signers", "签名人应为 party、officer 或 witness，各一次")
		}
		seen[sg] = true
	}
	return nil
}

const kindCols = `id, code, version, name, family, number_pattern, fields, sections, signers, created_at, stages, created_by IS NULL`

func scanKind(row pgx.CollectableRow) (DocumentKind, error) {
	var k DocumentKind
	var fields, sections []byte
	if err := row.Scan(&k.ID, &k.Code, &k.Version, &k.Name, &k.Family, &k.NumberPattern, &fields, &sections, &k.Signers, &k.CreatedAt,
		&k.Stages, &k.platform); err != nil {
		return k, err
	}
	if err := json.Unmarshal(fields, &k.Fields); err != nil {
		return k, err
	}
	return k, json.Unmarshal(sections, &k.Sections)
}

// DocumentKinds lists the newest version of every kind, by family and name, or every
// version when all is set.
func (s *Service) DocumentKinds(ctx context.Context, all bool) ([]DocumentKind, error) {
	q := `SELECT DISTINCT ON (code) ` + kindCols + ` FROM document_kinds ORDER BY code, version DESC`
	if all {
		q = `SELECT ` + kindCols + ` FROM document_kinds ORDER BY code, version DESC`
	}
	rows, _ := s.Store.db.Query(ctx, q)
	ks, err := pgx.CollectRows(rows, scanKind)
	if err != nil {
		return nil, enforcement.DBError(err, "文书种类")
	}
	order := []string{"record", "notice", "decision", "list", "service"}
	slices.SortStableFunc(ks, func(a, b DocumentKind) int {
		return slices.Index(order, a.Family) - slices.Index(order, b.Family)
	})
	return ks, nil
}

// CreateDocumentKind stores a kind as the next version of its code: an administrator's.
func (s *Service) CreateDocumentKind(ctx context.Context, a enforcement.Actor, in DocumentKindInput) (DocumentKind, error) {
	if err := a.Require(enforcement.RoleAdmin); err != nil {
		return DocumentKind{}, err
	}
	if err := in.Validate(); err != nil {
		return DocumentKind{}, err
	}
	return s.storeKind(ctx, &a.UserID, in)
}

func (s *Service) storeKind(ctx context.Context, by *uuid.UUID, in DocumentKindInput) (DocumentKind, error) {
	fields, _ := json.Marshal(in.Fields)
	sections, _ := json.Marshal(in.Sections)
	k := DocumentKind{ID: uuid.New(), DocumentKindInput: in}
	err := pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) error {
		// The lock orders concurrent versions of one code.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('zhifa-document-kind:' || $1))`, in.Code); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) + 1 FROM document_kinds WHERE code = $1`, in.Code).Scan(&k.Version); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO document_kinds (id, code, version, name, family, number_pattern, fields, sections, signers, created_by, stages)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING created_at`,
			k.ID, k.Code, k.Version, k.Name, k.Family, k.NumberPattern, fields, sections, k.Signers, by, k.Stages).Scan(&k.CreatedAt)
	})
	return k, enforcement.DBError(err, "文书种类")
}

// EnsureDocumentKinds stores each default kind the installation does not have as the
// platform now writes it: a new code, or the next version of a default kind whose newest
// version the platform wrote and has since changed. A kind an administrator changed keeps
// its versions.
func (s *Service) EnsureDocumentKinds(ctx context.Context) (int, error) {
	added := 0
	for _, in := range DefaultDocumentKinds() {
		if err := in.Validate(); err != nil {
			return added, err
		}
		rows, _ := s.Store.db.Query(ctx, `SELECT `+kindCols+` FROM document_kinds WHERE code = $1 ORDER BY version DESC LIMIT 1`, in.Code)
		newest, err := pgx.CollectExactlyOneRow(rows, scanKind)
		if err != nil && err != pgx.ErrNoRows {
			return added, enforcement.DBError(err, "文书种类")
		}
		if err == nil {
			was, _ := json.Marshal(newest.DocumentKindInput)
			now, _ := json.Marshal(in)
			if !newest.platform || string(was) == string(now) {
				continue
			}
		}
		if _, err := s.storeKind(ctx, nil, in); err != nil {
			return added, err
		}
		added++
	}
	return added, nil
}
