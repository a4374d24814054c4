package inspection

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// RiskClassResult says what a bulk update of credit-risk classes did. Codes outside the
// directory (or outside the administrator's region) are counted, not loaded: the monthly
// file of 市场监管 covers more firms than one county keeps.
type RiskClassResult struct {
	EffectiveOn  enforcement.Date `json:"effective_on"`
	Source       string           `json:"source"`
	Changed      int              `json:"changed"`
	Unchanged    int              `json:"unchanged"`
	Unknown      int              `json:"unknown"`
	UnknownCodes []string         `json:"unknown_codes"` // the first 20
	Rejected     []Rejection      `json:"rejected"`
}

// RiskChange is one change of a target's class.
type RiskChange struct {
	From        string           `json:"from"`
	To          string           `json:"to"`
	EffectiveOn enforcement.Date `json:"effective_on"`
	Source      string           `json:"source"`
	ChangedAt   time.Time        `json:"changed_at"`
}

// riskRows reads code and class pairs from a CSV file with a header row (code or
// 统一社会信用代码, risk or 风险等级) or from a JSON array of {"code", "risk"}, streaming.
type riskRows struct {
	csv  *csv.Reader
	cols [2]int
	json *json.Decoder
	n    int
}

func newRiskRows(r io.Reader, contentType string) (*riskRows, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	isJSON, err := jsonBody(br, contentType, func() {})
	if err != nil {
		return nil, err
	}
	if isJSON {
		d := json.NewDecoder(br)
		if t, err := d.Token(); err != nil || t != json.Delim('[') {
			return nil, fault.Field("body", "JSON 应为 [{\"code\": …, \"risk\": …}, …] 形式的数组")
		}
		return &riskRows{json: d}, nil
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord, cr.ReuseRecord = -1, true
	head, err := cr.Read()
	if err != nil {
		return nil, fault.Field("body", "CSV 缺少表头行")
	}
	rr := &riskRows{csv: cr, cols: [2]int{-1, -1}}
	for i, h := range head {
		switch f := csvHeaders[strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "\ufeff"))]; f {
		case "code":
			rr.cols[0] = i
		case "risk":
			rr.cols[1] = i
		}
	}
	if rr.cols[0] < 0 || rr.cols[1] < 0 {
		return nil, fault.Field("body", "CSV 表头应有 code（统一社会信用代码）和 risk（风险等级）两列")
	}
	return rr, nil
}

// next returns the next pair and its line (CSV) or position (JSON); io.EOF at the end.
func (r *riskRows) next() (int, string, string, error) {
	if r.json != nil {
		if !r.json.More() {
			return 0, "", "", io.EOF
		}
		r.n++
		var v struct{ Code, Risk string }
		if err := r.json.Decode(&v); err != nil {
			return r.n, "", "", fault.Field("body", "第 %d 项不是有效的 JSON 对象，未更新任何数据", r.n)
		}
		return r.n, v.Code, v.Risk, nil
	}
	rec, err := r.csv.Read()
	if err == io.EOF {
		return 0, "", "", io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return 0, "", "", fault.Field("body", "第 %d 行 CSV 格式错误，未更新任何数据：%v", pe.Line, pe.Err)
		}
		return 0, "", "", err
	}
	line, _ := r.csv.FieldPos(0)
	get := func(i int) string {
		if i < len(rec) {
			return rec[i]
		}
		return ""
	}
	return line, get(r.cols[0]), get(r.cols[1]), nil
}

// riskSource feeds valid pairs to COPY.
type riskSource struct {
	rows     *riskRows
	values   []any
	rejected []Rejection
	err      error
}

func (s *riskSource) Next() bool {
	for {
		line, code, risk, err := s.rows.next()
		if err == io.EOF {
			return false
		}
		if err != nil {
			s.err = err
			return false
		}
		code, risk = strings.ToUpper(strings.TrimSpace(code)), strings.ToUpper(strings.TrimSpace(risk))
		switch {
		case !enforcement.ValidCreditCode(code):
			s.rejected = append(s.rejected, Rejection{Line: line, Code: code, Error: "code：统一社会信用代码应为 18 位且校验位正确"})
		case len(risk) != 1 || !strings.Contains("ABCD", risk):
			s.rejected = append(s.rejected, Rejection{Line: line, Code: code, Error: "risk：风险等级应为 A、B、C、D 之一"})
		default:
			s.values = []any{line, code, risk}
			return true
		}
	}
}

func (s *riskSource) Values() ([]any, error) { return s.values, nil }
func (s *riskSource) Err() error             { return s.err }

// UpdateRiskClasses applies a bulk update of credit-risk classes (the monthly
// classification of 市场监管) in one transaction, each change kept with the day it takes
// effect and its source. A draw uses the classes its task froze with its pool, so a change
// reaches only pools frozen after it.
func (s *Service) UpdateRiskClasses(ctx context.Context, a enforcement.Actor, body io.Reader, contentType, effectiveOn, source string) (RiskClassResult, error) {
	if err := a.Require(enforcement.RoleAdmin); err != nil {
		return RiskClassResult{}, err
	}
	res := RiskClassResult{Source: strings.TrimSpace(source), UnknownCodes: []string{}, Rejected: []Rejection{}}
	if res.Source == "" || utf8.RuneCountInString(res.Source) > 200 {
		return res, fault.Field("source", "请写明分类结果的来源（如“市场监管局 2026 年 11 月信用风险分类”，不超过 200 字）")
	}
	on, err := enforcement.ParseDate(strings.TrimSpace(effectiveOn))
	if err != nil {
		return res, fault.Field("effective_on", "生效日期格式应为 YYYY-MM-DD")
	}
	res.EffectiveOn = on
	rows, err := newRiskRows(body, contentType)
	if err != nil {
		return res, err
	}
	src := &riskSource{rows: rows}
	region := enforcement.RegionPrefix(a.RegionCode)
	err = pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE risk_stage (line integer, code text COLLATE "C", risk char(1)) ON COMMIT DROP`); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"risk_stage"}, []string{"line", "code", "risk"}, src); err != nil {
			if src.err != nil {
				return src.err
			}
			return err
		}
		dups, _ := tx.Query(ctx, `SELECT line, code, first FROM (
				SELECT line, code, min(line) OVER (PARTITION BY code) AS first FROM risk_stage) d WHERE line <> first ORDER BY line`)
		var r Rejection
		var first int
		if _, err := pgx.ForEachRow(dups, []any{&r.Line, &r.Code, &first}, func() error {
			src.rejected = append(src.rejected, Rejection{Line: r.Line, Code: r.Code, Error: "code：与第 " + strconv.Itoa(first) + " 行重复"})
			return nil
		}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('zhifa.risk_effective', $1, true), set_config('zhifa.risk_source', $2, true)`,
			on.String(), res.Source); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `WITH src AS (SELECT DISTINCT ON (code) code, risk FROM risk_stage ORDER BY code, line),
			known AS (SELECT src.code, src.risk, t.risk AS was FROM src JOIN inspection_targets t ON t.code = src.code
				WHERE t.region_code LIKE $1 || '%'),
			up AS (UPDATE inspection_targets t SET risk = k.risk, updated_at = now() FROM known k
				WHERE t.code = k.code AND k.risk <> k.was RETURNING 1)
			SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM known WHERE risk = was),
				(SELECT count(*) FROM src) - (SELECT count(*) FROM known)`, region).Scan(&res.Changed, &res.Unchanged, &res.Unknown); err != nil {
			return err
		}
		unknown, _ := tx.Query(ctx, `SELECT s.code FROM risk_stage s WHERE NOT EXISTS (SELECT 1 FROM inspection_targets t
			WHERE t.code = s.code AND t.region_code LIKE $1 || '%') ORDER BY s.line LIMIT 20`, region)
		res.UnknownCodes, err = pgx.CollectRows(unknown, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return RiskClassResult{}, enforcement.DBError(err, "风险等级")
	}
	if res.UnknownCodes == nil {
		res.UnknownCodes = []string{}
	}
	res.Rejected = src.rejected
	return res, nil
}

// RiskHistory lists the changes of one target's class, newest first.
func (s *Service) RiskHistory(ctx context.Context, a enforcement.Actor, code string) ([]RiskChange, error) {
	if err := a.Require(enforcement.RoleAdmin, enforcement.RoleSupervisor); err != nil {
		return nil, err
	}
	var n int
	if err := s.Store.db.QueryRow(ctx, `SELECT count(*) FROM inspection_targets WHERE code = $1 AND region_code LIKE $2 || '%'`,
		code, enforcement.RegionPrefix(a.RegionCode)).Scan(&n); err != nil || n == 0 {
		return nil, fault.New(fault.NotFound, "检查对象不存在")
	}
	rows, _ := s.Store.db.Query(ctx, `SELECT risk_from, risk_to, effective_on, source, changed_at FROM target_risk_changes
		WHERE code = $1 ORDER BY id DESC`, code)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[RiskChange])
	if out == nil {
		out = []RiskChange{}
	}
	return out, enforcement.DBError(err, "风险等级")
}
