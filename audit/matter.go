package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/evidence"
	"zhifa/fault"
)

// A supervision matter (监督事项) is the justice bureau's file on one piece of supervision:
// daily, key or special (日常监督、重点监督、专项监督), of one agency or, for a special
// campaign, of many; two or more supervisors who are not of a supervised agency; what it
// looks into (cases, checks, draws, clues); the materials it asked for and the documents it
// issued. Every step is a record of the matter's own hash chain.

// MatterKindList is the kinds in the order pages offer them: code, label.
var MatterKindList = [][2]string{{"daily", "日常监督"}, {"key", "重点监督"}, {"special", "专项监督"}}

// MatterKinds labels the kinds.
var MatterKinds = func() map[string]string {
	m := map[string]string{}
	for _, k := range MatterKindList {
		m[k[0]] = k[1]
	}
	return m
}()

// Matter is one supervision matter with everything in its working file.
type Matter struct {
	ID          uuid.UUID       `json:"id"`
	RegionCode  string          `json:"region_code"`
	Number      string          `json:"number"`
	Kind        string          `json:"kind"`
	Title       string          `json:"title"`
	Basis       string          `json:"basis"`
	Plan        string          `json:"plan"`
	State       string          `json:"state"`
	Conclusion  string          `json:"conclusion"`
	OpenedAt    time.Time       `json:"opened_at"`
	OpenedBy    string          `json:"opened_by"`
	ConcludedAt *time.Time      `json:"concluded_at"`
	PublishedAt *time.Time      `json:"published_at"`
	PublicTitle string          `json:"public_title"`
	PublicText  string          `json:"public_text"`
	HeadSeq     int             `json:"head_seq"`
	HeadHash    string          `json:"head_hash"`
	Agencies    []Named         `json:"agencies"`
	Supervisors []Named         `json:"supervisors"`
	Links       []MatterLink    `json:"links"`
	Requests    []Request       `json:"requests"`
	Documents   []Document      `json:"documents"`
	Samples     []Evaluation    `json:"samples"` // case files drawn for the matter, each an evaluation campaign
	Records     []MatterRecord  `json:"records,omitempty"`
	Open        MatterOpenItems `json:"open_items"`
}

// Named is something shown by its name with its ID.
type Named struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

// MatterLink is a case, check, draw or clue the matter looks into.
type MatterLink struct {
	Kind  string    `json:"kind"`
	RefID uuid.UUID `json:"ref_id"`
	Label string    `json:"label"` // its number or name
}

// MatterOpenItems counts what still waits in a matter.
type MatterOpenItems struct {
	Requests  int `json:"requests"`  // materials not yet answered
	Documents int `json:"documents"` // documents awaiting an answer or a verdict
	Samples   int `json:"samples"`   // samples whose evaluation is still open
}

// KindLabel and StateLabel are the matter's kind and state as people read them.
func (m Matter) KindLabel() string { return MatterKinds[m.Kind] }
func (m Matter) StateLabel() string {
	if m.State == "concluded" {
		return "已办结"
	}
	return "办理中"
}

// AgencyNames joins the supervised agencies' names.
func (m Matter) AgencyNames() string {
	var n []string
	for _, a := range m.Agencies {
		n = append(n, a.Name)
	}
	return strings.Join(n, "、")
}

// Supervises reports whether the matter supervises the agency.
func (m Matter) Supervises(agency uuid.UUID) bool {
	return slices.ContainsFunc(m.Agencies, func(n Named) bool { return n.ID == agency })
}

// AssignedTo reports whether the user is one of the matter's supervisors.
func (m Matter) AssignedTo(user uuid.UUID) bool {
	return slices.ContainsFunc(m.Supervisors, func(n Named) bool { return n.ID == user })
}

// MatterRecord is one record of the matter's chain as pages and the API show it.
type MatterRecord struct {
	evidence.Record
	KindLabel string `json:"kind_label"`
}

// matterRecordKinds label what a matter's chain holds.
var matterRecordKinds = map[string]string{
	"opened": "立项", "request": "调取材料", "answer": "单位答复", "document": "制发文书", "read": "文书签收",
	"verdict": "审核答复", "reading": "调阅案卷", "note": "工作记录", "concluded": "办结", "published": "发布典型案例",
	"outcome": "决定效力", "sample": "抽取案卷",
}

// MatterInput opens a matter.
type MatterInput struct {
	Kind          string      `json:"kind"`
	Title         string      `json:"title"`
	Basis         string      `json:"basis"`
	Plan          string      `json:"plan"`
	AgencyIDs     []uuid.UUID `json:"agency_ids"`
	SupervisorIDs []uuid.UUID `json:"supervisor_ids"`
	CaseIDs       []uuid.UUID `json:"case_ids"`
	CaseNumbers   []string    `json:"case_numbers"` // cases named by their numbers
	CheckIDs      []uuid.UUID `json:"check_ids"`
	DrawIDs       []uuid.UUID `json:"draw_ids"`
	ClueIDs       []uuid.UUID `json:"clue_ids"`
}

func (s *Service) requireSupervisor(a enforcement.Actor) error {
	if !a.Has(enforcement.RoleSupervisor) {
		return fault.New(fault.Forbidden, "只有执法监督人员可以办理监督事项")
	}
	return nil
}

// OpenMatter opens a supervision matter in the supervisor's region. Clues it names must
// be undecided; they are marked opened and their complainants told.
func (s *Service) OpenMatter(ctx context.Context, a enforcement.Actor, in MatterInput) (Matter, error) {
	if err := s.requireSupervisor(a); err != nil {
		return Matter{}, err
	}
	in.Title, in.Basis, in.Plan = strings.TrimSpace(in.Title), strings.TrimSpace(in.Basis), strings.TrimSpace(in.Plan)
	if _, ok := MatterKinds[in.Kind]; !ok {
		return Matter{}, fault.Field("kind", "监督类型应为 daily（日常监督）、key（重点监督）或 special（专项监督）")
	}
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		return Matter{}, fault.Field("title", "请填写监督事项名称")
	case n > 200:
		return Matter{}, fault.Field("title", "监督事项名称不超过 200 字")
	}
	if utf8.RuneCountInString(in.Basis) > 5000 || utf8.RuneCountInString(in.Plan) > 20000 {
		return Matter{}, fault.Field("basis", "立项理由不超过 5000 字，工作方案不超过 20000 字")
	}
	// Clues bring their agency.
	clues := []Clue{}
	for _, id := range dedupe(in.ClueIDs) {
		c, err := s.FindClue(ctx, a, id)
		if err != nil {
			return Matter{}, fault.Field("clue_ids", "线索不存在或不在本辖区")
		}
		if c.State != "registered" {
			return Matter{}, fault.New(fault.Conflict, "线索 %s 已%s，不能再立项", c.Number, c.StateLabel())
		}
		if c.AgencyID != nil && !slices.Contains(in.AgencyIDs, *c.AgencyID) {
			in.AgencyIDs = append(in.AgencyIDs, *c.AgencyID)
		}
		clues = append(clues, c)
	}
	in.AgencyIDs = dedupe(in.AgencyIDs)
	switch {
	case len(in.AgencyIDs) == 0:
		return Matter{}, fault.Field("agency_ids", "请选择被监督的执法单位")
	case in.Kind != "special" && len(in.AgencyIDs) > 1:
		return Matter{}, fault.Field("agency_ids", "日常监督和重点监督针对一个执法单位；监督多个单位请立专项监督")
	case in.Kind == "special" && in.Plan == "":
		return Matter{}, fault.Field("plan", "专项监督须有工作方案")
	}
	agencies := []Named{}
	for _, id := range in.AgencyIDs {
		ag, err := s.Cases.Store.FindAgency(ctx, id)
		if err != nil || !a.Scope().Covers(ag) {
			return Matter{}, fault.Field("agency_ids", "所选执法单位不存在或不在本辖区")
		}
		agencies = append(agencies, Named{ag.ID, ag.Name})
	}
	// Two or more supervisors, none of a supervised agency; the one opening it is one.
	if !slices.Contains(in.SupervisorIDs, a.UserID) {
		in.SupervisorIDs = append([]uuid.UUID{a.UserID}, in.SupervisorIDs...)
	}
	in.SupervisorIDs = dedupe(in.SupervisorIDs)
	supervisors := []Named{}
	for _, id := range in.SupervisorIDs {
		u, err := s.Cases.Store.FindUser(ctx, id)
		if err != nil || u.Disabled || !slices.Contains(u.Roles, enforcement.RoleSupervisor) {
			return Matter{}, fault.Field("supervisor_ids", "所选监督人员不存在或不是执法监督人员")
		}
		ag, err := s.Cases.Store.FindAgency(ctx, u.AgencyID)
		if err != nil || !strings.HasPrefix(ag.RegionCode, enforcement.RegionPrefix(a.RegionCode)) {
			return Matter{}, fault.Field("supervisor_ids", "监督人员 %s 不在本辖区", u.Name)
		}
		if slices.Contains(in.AgencyIDs, u.AgencyID) {
			return Matter{}, fault.Field("supervisor_ids", "监督人员 %s 是被监督单位的人员，应当回避", u.Name)
		}
		supervisors = append(supervisors, Named{u.ID, u.Name})
	}
	if len(supervisors) < 2 {
		return Matter{}, fault.Field("supervisor_ids", "监督事项应由两名以上执法监督人员办理，请再选择一名")
	}
	for _, n := range in.CaseNumbers {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		var id uuid.UUID
		if err := s.db.QueryRow(ctx, `SELECT id FROM cases WHERE number = $1`, n).Scan(&id); err != nil {
			return Matter{}, fault.Field("case_numbers", "没有编号为“%s”的案件", n)
		}
		in.CaseIDs = append(in.CaseIDs, id)
	}
	links := []MatterLink{}
	for _, id := range dedupe(in.CaseIDs) {
		c, err := s.Cases.Store.FindCase(ctx, id)
		if err != nil || !slices.Contains(in.AgencyIDs, c.AgencyID) {
			return Matter{}, fault.Field("case_ids", "关联的案件不存在或不属于被监督单位")
		}
		links = append(links, MatterLink{"case", id, c.Number})
	}
	for _, id := range dedupe(in.CheckIDs) {
		var label string
		err := s.db.QueryRow(ctx, `SELECT t.name || ' 第 ' || k.seq || ' 户' FROM inspection_checks k JOIN inspection_tasks t ON t.id = k.task_id
			WHERE k.id = $1 AND t.region_code LIKE $2 || '%'`, id, enforcement.RegionPrefix(a.RegionCode)).Scan(&label)
		if err != nil {
			return Matter{}, fault.Field("check_ids", "关联的检查不存在或不在本辖区")
		}
		links = append(links, MatterLink{"check", id, label})
	}
	for _, id := range dedupe(in.DrawIDs) {
		var label string
		err := s.db.QueryRow(ctx, `SELECT t.name FROM inspection_draws d JOIN inspection_tasks t ON t.id = d.task_id
			WHERE d.id = $1 AND t.region_code LIKE $2 || '%'`, id, enforcement.RegionPrefix(a.RegionCode)).Scan(&label)
		if err != nil {
			return Matter{}, fault.Field("draw_ids", "关联的抽取不存在或不在本辖区")
		}
		links = append(links, MatterLink{"draw", id, label})
	}
	for _, c := range clues {
		links = append(links, MatterLink{"clue", c.ID, c.Number})
	}
	now := s.Cases.Now().UTC().Truncate(time.Microsecond)
	m := Matter{ID: uuid.New(), RegionCode: a.RegionCode, Kind: in.Kind, Title: in.Title, Basis: in.Basis, Plan: in.Plan,
		State: "open", OpenedAt: now, OpenedBy: a.Name, Agencies: agencies, Supervisors: supervisors, Links: links}
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		if m.Number, err = clueNumber(ctx, tx, a.RegionCode, enforcement.DateOf(now).Year, "监事"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO supervision_matters (id, region_code, number, kind, title, basis, plan, opened_by, opened_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, m.ID, m.RegionCode, m.Number, m.Kind, m.Title, m.Basis, m.Plan, a.UserID, now); err != nil {
			return err
		}
		for _, ag := range agencies {
			if _, err := tx.Exec(ctx, `INSERT INTO supervision_matter_agencies (matter_id, agency_id) VALUES ($1, $2)`, m.ID, ag.ID); err != nil {
				return err
			}
		}
		for _, u := range supervisors {
			if _, err := tx.Exec(ctx, `INSERT INTO supervision_matter_supervisors (matter_id, user_id) VALUES ($1, $2)`, m.ID, u.ID); err != nil {
				return err
			}
		}
		for _, l := range links {
			if _, err := tx.Exec(ctx, `INSERT INTO supervision_matter_links (matter_id, kind, ref_id) VALUES ($1, $2, $3)`, m.ID, l.Kind, l.RefID); err != nil {
				return err
			}
		}
		for _, c := range clues {
			tag, err := tx.Exec(ctx, `UPDATE supervision_clues SET state = 'opened', matter_id = $2, decided_by = $3, decided_at = $4
				WHERE id = $1 AND state = 'registered'`, c.ID, m.ID, a.UserID, now)
			if err != nil {
				return err
			}
			if tag.RowsAffected() != 1 {
				return fault.New(fault.Conflict, "线索 %s 已被他人处理", c.Number)
			}
			if err := addClueEvent(ctx, tx, c.ID, now, "opened", "已立项监督（"+MatterKinds[m.Kind]+"），监督事项编号 "+m.Number, true, &a.UserID, a.Name); err != nil {
				return err
			}
		}
		names := func(ns []Named) []string {
			out := []string{}
			for _, n := range ns {
				out = append(out, n.Name)
			}
			return out
		}
		return s.matterRecord(ctx, tx, m.ID, "open", "opened", a, now,
			"立项："+MatterKinds[m.Kind]+"“"+m.Title+"”，监督单位 "+strings.Join(names(agencies), "、")+"，监督人员 "+strings.Join(names(supervisors), "、"),
			map[string]any{"number": m.Number, "kind": m.Kind, "title": m.Title, "basis": m.Basis, "plan": m.Plan,
				"agency_ids": ids(agencies), "supervisor_ids": ids(supervisors), "links": linkData(links)})
	})
	if err != nil {
		return Matter{}, enforcement.DBError(err, "监督事项")
	}
	return s.FindMatter(ctx, a, m.ID)
}

func dedupe(in []uuid.UUID) []uuid.UUID {
	out := []uuid.UUID{}
	for _, id := range in {
		if id != uuid.Nil && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func ids(ns []Named) []string {
	out := []string{}
	for _, n := range ns {
		out = append(out, n.ID.String())
	}
	return out
}

func linkData(ls []MatterLink) []map[string]any {
	out := []map[string]any{}
	for _, l := range ls {
		out = append(out, map[string]any{"kind": l.Kind, "ref_id": l.RefID.String(), "label": l.Label})
	}
	return out
}

// matterRecord appends one record to the matter's chain in tx.
func (s *Service) matterRecord(ctx context.Context, tx pgx.Tx, matterID uuid.UUID, stage, kind string, a enforcement.Actor, at time.Time, note string, data map[string]any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	by := a.UserID
	_, err = s.Evidence.Store.AppendMatterTx(ctx, tx, evidence.Record{CaseID: matterID, Stage: enforcement.State(stage), Kind: evidence.Kind(kind),
		Note: note, Data: b, OccurredAt: at, AuthorID: &by, AuthorName: a.Name})
	return err
}

// OpenFromClue opens a matter from one undecided clue: its agency, its content as the
// basis unless given, the clue linked.
func (s *Service) OpenFromClue(ctx context.Context, a enforcement.Actor, clueID uuid.UUID, in MatterInput) (Matter, error) {
	c, err := s.FindClue(ctx, a, clueID)
	if err != nil {
		return Matter{}, err
	}
	if c.AgencyID == nil && len(in.AgencyIDs) == 0 {
		return Matter{}, fault.Field("agency_ids", "线索未指明执法单位，请选择被监督的执法单位")
	}
	in.ClueIDs = append([]uuid.UUID{clueID}, in.ClueIDs...)
	if in.Kind == "" {
		in.Kind = "daily"
	}
	if strings.TrimSpace(in.Title) == "" {
		in.Title = "关于" + c.AgencyName + "的" + c.SourceLabel() + "（" + c.Number + "）"
	}
	if strings.TrimSpace(in.Basis) == "" {
		in.Basis = c.Content
	}
	return s.OpenMatter(ctx, a, in)
}

const matterCols = `m.id, m.region_code, m.number, m.kind, m.title, m.basis, m.plan, m.state, m.conclusion, m.opened_at, u.name,
	m.concluded_at, m.published_at, m.public_title, m.public_text, m.head_seq, m.head_hash`

const matterFrom = ` FROM supervision_matters m JOIN users u ON u.id = m.opened_by`

func scanMatter(row pgx.CollectableRow) (Matter, error) {
	var m Matter
	err := row.Scan(&m.ID, &m.RegionCode, &m.Number, &m.Kind, &m.Title, &m.Basis, &m.Plan, &m.State, &m.Conclusion, &m.OpenedAt, &m.OpenedBy,
		&m.ConcludedAt, &m.PublishedAt, &m.PublicTitle, &m.PublicText, &m.HeadSeq, &m.HeadHash)
	m.Agencies, m.Supervisors, m.Links, m.Requests, m.Documents = []Named{}, []Named{}, []MatterLink{}, []Request{}, []Document{}
	return m, err
}

// MatterFilter selects matters in a supervisor's region.
type MatterFilter struct {
	Kind     string
	State    string
	AgencyID *uuid.UUID
	Mine     bool // only those the viewer is assigned to
	Query    string
	Page     enforcement.Page
}

// Matters lists the region's matters, the open ones first, newest first.
func (s *Service) Matters(ctx context.Context, a enforcement.Actor, f MatterFilter) (enforcement.List[Matter], error) {
	out := enforcement.List[Matter]{Items: []Matter{}}
	if err := s.requireSupervisor(a); err != nil {
		return out, err
	}
	where, args := []string{"m.region_code LIKE $1 || '%'"}, []any{enforcement.RegionPrefix(a.RegionCode)}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Kind != "" {
		if _, ok := MatterKinds[f.Kind]; !ok {
			return out, fault.Field("kind", "监督类型应为 daily、key 或 special")
		}
		add("m.kind = ?", f.Kind)
	}
	switch f.State {
	case "":
	case "open", "concluded":
		add("m.state = ?", f.State)
	default:
		return out, fault.Field("state", "状态应为 open 或 concluded")
	}
	if f.AgencyID != nil {
		add("EXISTS (SELECT 1 FROM supervision_matter_agencies x WHERE x.matter_id = m.id AND x.agency_id = ?)", *f.AgencyID)
	}
	if f.Mine {
		add("EXISTS (SELECT 1 FROM supervision_matter_supervisors x WHERE x.matter_id = m.id AND x.user_id = ?)", a.UserID)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		add("(m.number ILIKE '%' || ? || '%' OR m.title ILIKE '%' || ? || '%')", q)
	}
	w := " WHERE " + strings.Join(where, " AND ")
	if err := s.db.QueryRow(ctx, `SELECT count(*)`+matterFrom+w, args...).Scan(&out.Total); err != nil {
		return out, enforcement.DBError(err, "监督事项")
	}
	rows, _ := s.db.Query(ctx, `SELECT `+matterCols+matterFrom+w+` ORDER BY (m.state = 'open') DESC, m.opened_at DESC
		LIMIT `+strconv.Itoa(f.Page.Size)+` OFFSET `+strconv.Itoa(f.Page.Offset()), args...)
	items, err := pgx.CollectRows(rows, scanMatter)
	if err != nil {
		return out, enforcement.DBError(err, "监督事项")
	}
	for i := range items {
		if err := s.matterAgencies(ctx, &items[i]); err != nil {
			return out, err
		}
		if err := s.openItems(ctx, &items[i]); err != nil {
			return out, err
		}
	}
	if items != nil {
		out.Items = items
	}
	return out, nil
}

func (s *Service) matterAgencies(ctx context.Context, m *Matter) error {
	rows, _ := s.db.Query(ctx, `SELECT ag.id, ag.name FROM supervision_matter_agencies x JOIN agencies ag ON ag.id = x.agency_id
		WHERE x.matter_id = $1 ORDER BY ag.name`, m.ID)
	ag, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Named])
	if ag != nil {
		m.Agencies = ag
	}
	return enforcement.DBError(err, "监督事项")
}

func (s *Service) openItems(ctx context.Context, m *Matter) error {
	err := s.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM supervision_requests WHERE matter_id = $1 AND state = 'pending'),
		(SELECT count(*) FROM supervision_documents WHERE matter_id = $1 AND state IN ('issued', 'answered', 'returned')),
		(SELECT count(*) FROM supervision_matter_links l JOIN evaluations e ON e.id = l.ref_id
			WHERE l.matter_id = $1 AND l.kind = 'evaluation' AND e.state = 'open')`, m.ID).
		Scan(&m.Open.Requests, &m.Open.Documents, &m.Open.Samples)
	return enforcement.DBError(err, "监督事项")
}

// FindMatter returns a matter with its working file, for a supervisor of its region.
func (s *Service) FindMatter(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Matter, error) {
	if !a.Has(enforcement.RoleSupervisor) {
		return Matter{}, fault.New(fault.NotFound, "监督事项不存在")
	}
	m, err := s.matterByID(ctx, id)
	if err != nil {
		return m, err
	}
	if !strings.HasPrefix(m.RegionCode, enforcement.RegionPrefix(a.RegionCode)) {
		return Matter{}, fault.New(fault.NotFound, "监督事项不存在")
	}
	return m, s.matterDetails(ctx, &m)
}

func (s *Service) matterByID(ctx context.Context, id uuid.UUID) (Matter, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+matterCols+matterFrom+` WHERE m.id = $1`, id)
	m, err := pgx.CollectExactlyOneRow(rows, scanMatter)
	if err == pgx.ErrNoRows {
		return m, fault.New(fault.NotFound, "监督事项不存在")
	}
	return m, enforcement.DBError(err, "监督事项")
}

func (s *Service) matterDetails(ctx context.Context, m *Matter) error {
	if err := s.matterAgencies(ctx, m); err != nil {
		return err
	}
	if err := s.openItems(ctx, m); err != nil {
		return err
	}
	rows, _ := s.db.Query(ctx, `SELECT u.id, u.name FROM supervision_matter_supervisors x JOIN users u ON u.id = x.user_id
		WHERE x.matter_id = $1 ORDER BY u.name`, m.ID)
	sup, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Named])
	if err != nil {
		return enforcement.DBError(err, "监督事项")
	}
	if sup != nil {
		m.Supervisors = sup
	}
	rows, _ = s.db.Query(ctx, `SELECT l.kind, l.ref_id, coalesce(
			(SELECT c.number FROM cases c WHERE l.kind = 'case' AND c.id = l.ref_id),
			(SELECT cl.number FROM supervision_clues cl WHERE l.kind = 'clue' AND cl.id = l.ref_id),
			(SELECT t.name || ' 第 ' || k.seq || ' 户' FROM inspection_checks k JOIN inspection_tasks t ON t.id = k.task_id WHERE l.kind = 'check' AND k.id = l.ref_id),
			(SELECT t.name FROM inspection_draws d JOIN inspection_tasks t ON t.id = d.task_id WHERE l.kind = 'draw' AND d.id = l.ref_id),
			(SELECT e.name FROM evaluations e WHERE l.kind = 'evaluation' AND e.id = l.ref_id), '')
		FROM supervision_matter_links l WHERE l.matter_id = $1 ORDER BY l.kind, 3`, m.ID)
	links, err := pgx.CollectRows(rows, pgx.RowToStructByPos[MatterLink])
	if err != nil {
		return enforcement.DBError(err, "监督事项")
	}
	if links != nil {
		m.Links = links
	}
	if err := s.matterSamples(ctx, m); err != nil {
		return err
	}
	if m.Requests, err = s.requestsWhere(ctx, `r.matter_id = $1`, m.ID); err != nil {
		return err
	}
	if m.Documents, err = s.documentsWhere(ctx, `d.matter_id = $1`, m.ID); err != nil {
		return err
	}
	recs, err := s.Evidence.Store.MatterRecords(ctx, m.ID)
	if err != nil {
		return err
	}
	m.Records = make([]MatterRecord, len(recs))
	for i, r := range recs {
		m.Records[i] = MatterRecord{r, matterRecordKinds[string(r.Kind)]}
	}
	return nil
}

// VerifyMatter recomputes a matter's chain and compares its heads with the log.
func (s *Service) VerifyMatter(ctx context.Context, a enforcement.Actor, id uuid.UUID) (evidence.Verification, error) {
	if _, err := s.FindMatter(ctx, a, id); err != nil {
		return evidence.Verification{}, err
	}
	v, err := s.Evidence.Store.VerifyMatter(ctx, id)
	if err != nil || s.Evidence.Log == nil {
		return v, err
	}
	recs, err := s.Evidence.Store.MatterRecords(ctx, id)
	if err != nil {
		return v, err
	}
	p, err := s.Evidence.Log.LogProblems(ctx, id, recs)
	if err != nil {
		return v, err
	}
	v.Problems = append(v.Problems, p...)
	v.OK = len(v.Problems) == 0
	return v, nil
}

// assigned loads a matter the actor works on: one of its supervisors, and still open
// unless reading.
func (s *Service) assigned(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Matter, error) {
	m, err := s.FindMatter(ctx, a, id)
	if err != nil {
		return m, err
	}
	if !m.AssignedTo(a.UserID) {
		return m, fault.New(fault.Forbidden, "只有本事项的监督人员可以办理")
	}
	if m.State != "open" {
		return m, fault.New(fault.Conflict, "监督事项 %s 已办结", m.Number)
	}
	return m, nil
}

// NoteInput is a step of the working file: an interview or a site visit.
type NoteInput struct {
	Kind       string `json:"kind"` // interview | site_visit | other
	Note       string `json:"note"`
	OccurredOn string `json:"occurred_on"`
}

var noteKinds = map[string]string{"interview": "约谈", "site_visit": "实地核查", "other": "其他工作"}

// AddNote records an interview, a site visit or other work in the matter's chain.
func (s *Service) AddNote(ctx context.Context, a enforcement.Actor, id uuid.UUID, in NoteInput) (Matter, error) {
	m, err := s.assigned(ctx, a, id)
	if err != nil {
		return m, err
	}
	label, ok := noteKinds[in.Kind]
	if !ok {
		return m, fault.Field("kind", "工作类型应为 interview（约谈）、site_visit（实地核查）或 other")
	}
	in.Note = strings.TrimSpace(in.Note)
	switch n := utf8.RuneCountInString(in.Note); {
	case n == 0:
		return m, fault.Field("note", "请写明工作情况")
	case n > 20000:
		return m, fault.Field("note", "工作情况不超过 20000 字")
	}
	now := s.Cases.Now().UTC().Truncate(time.Microsecond)
	at := now
	if in.OccurredOn != "" {
		d, err := enforcement.ParseDate(in.OccurredOn)
		if err != nil || d.After(enforcement.DateOf(now)) {
			return m, fault.Field("occurred_on", "日期应为 YYYY-MM-DD，且不晚于今天")
		}
		at = d.StartIn().Add(9 * time.Hour)
	}
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		return s.matterRecord(ctx, tx, m.ID, m.State, "note", a, at, label+"："+in.Note, map[string]any{"kind": in.Kind})
	})
	if err != nil {
		return m, enforcement.DBError(err, "监督事项")
	}
	return s.FindMatter(ctx, a, id)
}

// ReadCase records that a supervisor of the matter opens one of its cases (linked, or
// in one of its samples), and answers whether it is the matter's: the chain is the access
// log of the file's reading.
func (s *Service) ReadCase(ctx context.Context, a enforcement.Actor, id, caseID uuid.UUID) error {
	m, err := s.FindMatter(ctx, a, id)
	if err != nil {
		return err
	}
	number, ok := m.caseNumber(caseID)
	if !ok {
		return fault.New(fault.NotFound, "该案件未关联到本监督事项")
	}
	now := s.Cases.Now().UTC().Truncate(time.Microsecond)
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		return s.matterRecord(ctx, tx, m.ID, m.State, "reading", a, now, "调阅案卷 "+number, map[string]any{"case_id": caseID.String()})
	})
	return enforcement.DBError(err, "监督事项")
}

// caseNumber finds a case among the matter's links and samples.
func (m Matter) caseNumber(caseID uuid.UUID) (string, bool) {
	for _, l := range m.Links {
		if l.Kind == "case" && l.RefID == caseID {
			return l.Label, true
		}
	}
	for _, e := range m.Samples {
		for _, f := range e.Sample {
			if f.CaseID == caseID {
				return f.CaseNumber, true
			}
		}
	}
	return "", false
}

// matterCases is the SQL of the cases a matter reads: those it links and those its
// samples drew.
const matterCases = `SELECT l.matter_id, l.ref_id AS case_id FROM supervision_matter_links l WHERE l.kind = 'case'
	UNION ALL SELECT l.matter_id, f.case_id FROM supervision_matter_links l JOIN evaluation_files f ON f.evaluation_id = l.ref_id
	WHERE l.kind = 'evaluation'`

// SupervisorReads is the read grant of supervision: a supervisor of a matter reads the
// cases the matter links or drew, wherever they are, while the matter is open.
func (s *Service) SupervisorReads(ctx context.Context, a enforcement.Actor, caseID uuid.UUID) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM (`+matterCases+`) mc
		JOIN supervision_matter_supervisors x ON x.matter_id = mc.matter_id JOIN supervision_matters m ON m.id = mc.matter_id
		WHERE mc.case_id = $1 AND x.user_id = $2 AND m.state = 'open')`, caseID, a.UserID).Scan(&ok)
	return ok, err
}

// MatterSampleInput draws a matter's sample of case files from its agencies: the
// period, the kinds and the size as an evaluation campaign takes them. The matter's
// supervisors are its evaluators.
type MatterSampleInput struct {
	Year        int        `json:"year"`
	PeriodFrom  string     `json:"period_from"`
	PeriodTo    string     `json:"period_to"`
	CaseKinds   []string   `json:"case_kinds"`
	SampleSize  int        `json:"sample_size"`
	SampleRatio float64    `json:"sample_ratio"`
	RubricID    *uuid.UUID `json:"rubric_id"`
	Witness     string     `json:"witness"`
}

// DrawMatterSample draws case files for a matter with zhifa-sample-1 (SAMPLE.md), as an
// evaluation campaign of the matter's agencies scored by its supervisors; the campaign,
// its link and the record in the matter's chain are written together or not at all.
func (s *Service) DrawMatterSample(ctx context.Context, a enforcement.Actor, id uuid.UUID, in MatterSampleInput) (Matter, Evaluation, error) {
	m, err := s.assigned(ctx, a, id)
	if err != nil {
		return m, Evaluation{}, err
	}
	name := []rune(m.Number + " " + m.Title)
	if len(name) > 94 {
		name = append(name[:93], '…')
	}
	ev := EvaluationInput{Name: string(name) + " 抽查案卷", Year: in.Year, PeriodFrom: in.PeriodFrom, PeriodTo: in.PeriodTo,
		CaseKinds: in.CaseKinds, SampleSize: in.SampleSize, SampleRatio: in.SampleRatio, RubricID: in.RubricID, Witness: in.Witness}
	for _, ag := range m.Agencies {
		ev.AgencyIDs = append(ev.AgencyIDs, ag.ID)
	}
	for _, u := range m.Supervisors {
		ev.EvaluatorIDs = append(ev.EvaluatorIDs, u.ID)
	}
	e, err := s.createEvaluation(ctx, a, ev, func(tx pgx.Tx, e *Evaluation) error {
		if _, err := tx.Exec(ctx, `INSERT INTO supervision_matter_links (matter_id, kind, ref_id) VALUES ($1, 'evaluation', $2)`, m.ID, e.ID); err != nil {
			return err
		}
		var numbers []string
		if err := tx.QueryRow(ctx, `SELECT array_agg(c.number ORDER BY f.seq) FROM evaluation_files f JOIN cases c ON c.id = f.case_id
			WHERE f.evaluation_id = $1`, e.ID).Scan(&numbers); err != nil {
			return err
		}
		// The record names the files of a small sample; the result hash binds any sample,
		// listed in full with the campaign's public listing.
		listed := strings.Join(numbers, "、")
		if len(numbers) > 20 {
			listed = strings.Join(numbers[:20], "、") + fmt.Sprintf(" 等 %d 份", len(numbers))
		}
		note := fmt.Sprintf("按 %s 从 %s 至 %s 办结的 %d 份案卷中抽取 %d 份：%s", e.Algorithm, e.PeriodFrom, e.PeriodTo, e.PoolSize, e.Files, listed)
		return s.matterRecord(ctx, tx, m.ID, m.State, "sample", a, e.CreatedAt.UTC().Truncate(time.Microsecond), note, map[string]any{
			"evaluation_id": e.ID.String(), "algorithm": e.Algorithm, "pool_hash": e.PoolHash, "pool_size": e.PoolSize,
			"commitment": e.Commitment, "seed": e.Seed, "result_hash": e.ResultHash, "files": e.Files})
	})
	if err != nil {
		return m, e, err
	}
	m, err = s.FindMatter(ctx, a, id)
	return m, e, err
}

// matterSamples loads the campaigns a matter drew, with their files.
func (s *Service) matterSamples(ctx context.Context, m *Matter) error {
	m.Samples = []Evaluation{}
	rows, _ := s.db.Query(ctx, `SELECT `+evaluationCols+` FROM `+evaluationFrom+` JOIN supervision_matter_links l ON l.ref_id = e.id
		WHERE l.matter_id = $1 AND l.kind = 'evaluation' ORDER BY e.created_at`, m.ID)
	es, err := pgx.CollectRows(rows, scanEvaluation)
	if err != nil {
		return enforcement.DBError(err, "抽查案卷")
	}
	for _, e := range es {
		if e.Sample, err = s.files(ctx, FileFilter{EvaluationID: e.ID, Page: enforcement.Page{Number: 1, Size: 10000}}); err != nil {
			return err
		}
		m.Samples = append(m.Samples, e)
	}
	return nil
}

// ConcludeMatter closes a matter once nothing waits: every request answered, every
// document's answer accepted. Its clues' complainants read the conclusion.
func (s *Service) ConcludeMatter(ctx context.Context, a enforcement.Actor, id uuid.UUID, conclusion string) (Matter, error) {
	m, err := s.assigned(ctx, a, id)
	if err != nil {
		return m, err
	}
	conclusion = strings.TrimSpace(conclusion)
	switch n := utf8.RuneCountInString(conclusion); {
	case n == 0:
		return m, fault.Field("conclusion", "请写明办结意见（查明的问题和处理结果）")
	case n > 5000:
		return m, fault.Field("conclusion", "办结意见不超过 5000 字")
	}
	if m.Open.Requests > 0 || m.Open.Documents > 0 {
		return m, fault.New(fault.Conflict, "尚有 %d 项调取材料未答复、%d 份文书未验收，不能办结", m.Open.Requests, m.Open.Documents)
	}
	if m.Open.Samples > 0 {
		return m, fault.New(fault.Conflict, "抽查案卷的评查尚未结束，请评完全部案卷并结束评查后再办结")
	}
	now := s.Cases.Now().UTC().Truncate(time.Microsecond)
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE supervision_matters SET state = 'concluded', conclusion = $2, concluded_by = $3, concluded_at = $4
			WHERE id = $1 AND state = 'open'`, m.ID, conclusion, a.UserID, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fault.New(fault.Conflict, "监督事项 %s 已办结", m.Number)
		}
		for _, l := range m.Links {
			if l.Kind != "clue" {
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE supervision_clues SET public_reply = $2 WHERE id = $1`, l.RefID, conclusion); err != nil {
				return err
			}
			if err := addClueEvent(ctx, tx, l.RefID, now, "concluded", "监督事项 "+m.Number+" 已办结："+conclusion, true, &a.UserID, a.Name); err != nil {
				return err
			}
		}
		return s.matterRecord(ctx, tx, m.ID, "concluded", "concluded", a, now, "办结："+conclusion, map[string]any{"conclusion": conclusion})
	})
	if err != nil {
		return m, enforcement.DBError(err, "监督事项")
	}
	return s.FindMatter(ctx, a, id)
}

// Supervisors lists the supervisors of the actor's region, for choosing a matter's team.
func (s *Service) Supervisors(ctx context.Context, a enforcement.Actor) ([]SupervisorChoice, error) {
	if err := s.requireSupervisor(a); err != nil {
		return nil, err
	}
	rows, _ := s.db.Query(ctx, `SELECT u.id, u.name, ag.id, ag.name FROM users u JOIN agencies ag ON ag.id = u.agency_id
		WHERE 'supervisor' = ANY(u.roles) AND u.disabled_at IS NULL AND ag.region_code LIKE $1 || '%' ORDER BY ag.name, u.name`,
		enforcement.RegionPrefix(a.RegionCode))
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[SupervisorChoice])
	if out == nil {
		out = []SupervisorChoice{}
	}
	return out, enforcement.DBError(err, "监督人员")
}

// SupervisorChoice is a supervisor as a matter's form offers them.
type SupervisorChoice struct {
	ID         uuid.UUID `json:"id"`
	Name       string    `json:"name"`
	AgencyID   uuid.UUID `json:"agency_id"`
	AgencyName string    `json:"agency_name"`
}
