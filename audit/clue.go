package audit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
	"zhifa/inspection"
)

// A clue (线索) is where supervision starts: something that may show enforcement going
// wrong, registered with a number and decided within a deadline.

// ClueSources are where a clue comes from, as people read them.
var ClueSources = map[string]string{
	"public": "群众投诉举报", "hotline": "12345 热线转办", "evaluation": "案卷评查发现", "alert": "执法监督预警", "supervisor": "监督人员发现",
	"rating": "企业评价反映",
}

// ClueStateList is the states in the order a filter offers them: code, label.
var ClueStateList = [][2]string{{"registered", "待处理"}, {"opened", "已立项监督"}, {"merged", "已合并"}, {"transferred", "已转办"}, {"closed", "不予立项"}}

var clueStates = func() map[string]string {
	m := map[string]string{}
	for _, s := range ClueStateList {
		m[s[0]] = s[1]
	}
	return m
}()

// ClueDecideDays is how many working days a clue may wait for its decision, unless the
// service is told otherwise.
const ClueDecideDays = 7

// Clue is one registered clue.
type Clue struct {
	ID            uuid.UUID         `json:"id"`
	RegionCode    string            `json:"region_code"`
	Number        string            `json:"number"`
	Source        string            `json:"source"`
	AgencyID      *uuid.UUID        `json:"agency_id"`
	AgencyName    string            `json:"agency_name"`
	Concerning    string            `json:"concerning"`
	Content       string            `json:"content"`
	OccurredOn    *enforcement.Date `json:"occurred_on"`
	Complainant   string            `json:"complainant"`
	Contact       string            `json:"contact"`
	TicketNo      *string           `json:"ticket_no"`
	SourceRef     *string           `json:"source_ref"`
	State         string            `json:"state"`
	DecideBy      enforcement.Date  `json:"decide_by"`
	MergedInto    *uuid.UUID        `json:"merged_into"`
	MergedNumber  string            `json:"merged_number,omitempty"`
	MatterID      *uuid.UUID        `json:"matter_id"` // the matter it was opened as
	TransferredTo string            `json:"transferred_to"`
	Reason        string            `json:"reason"`
	PublicReply   string            `json:"public_reply"`
	CreatedAt     time.Time         `json:"created_at"`
	DecidedAt     *time.Time        `json:"decided_at"`
	Files         []ClueFile        `json:"files"`
	Events        []ClueEvent       `json:"events"`
}

// SourceLabel and StateLabel are the clue's source and state as people read them.
func (c Clue) SourceLabel() string { return ClueSources[c.Source] }
func (c Clue) StateLabel() string  { return clueStates[c.State] }

// Overdue reports a clue still undecided after its deadline.
func (c Clue) Overdue(today enforcement.Date) bool {
	return c.State == "registered" && today.After(c.DecideBy)
}

// ClueFile is one attachment of a complaint.
type ClueFile struct {
	ID          uuid.UUID `json:"id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	ObjectKey   string    `json:"-"`
	VersionID   string    `json:"-"`
}

// ClueEvent is one step of a clue; the public ones are what its complainant sees.
type ClueEvent struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	Note   string    `json:"note"`
	Public bool      `json:"public"`
	Actor  string    `json:"actor,omitempty"`
}

// ClueInput is a clue as a complainant, a hotline ticket or a supervisor gives it.
type ClueInput struct {
	Source      string     `json:"source"`
	AgencyID    *uuid.UUID `json:"agency_id"`
	Concerning  string     `json:"concerning"`
	Content     string     `json:"content"`
	OccurredOn  string     `json:"occurred_on"`
	Complainant string     `json:"complainant"`
	Contact     string     `json:"contact"`
	Anonymous   bool       `json:"anonymous"`
	TicketNo    string     `json:"ticket_no"`
	SourceRef   string     `json:"-"` // what it came from, e.g. evaluation:<id>:<case id>
}

func (in *ClueInput) validate(today enforcement.Date) (*enforcement.Date, error) {
	in.Concerning, in.Content = strings.TrimSpace(in.Concerning), strings.TrimSpace(in.Content)
	in.Complainant, in.Contact, in.TicketNo = strings.TrimSpace(in.Complainant), strings.TrimSpace(in.Contact), strings.TrimSpace(in.TicketNo)
	if _, ok := ClueSources[in.Source]; !ok {
		return nil, fault.Field("source", "线索来源应为 public、hotline、evaluation、alert 或 supervisor")
	}
	switch n := utf8.RuneCountInString(in.Content); {
	case n == 0:
		return nil, fault.Field("content", "请写明反映的问题（什么时间、什么地点、哪个单位或人员、做了什么）")
	case n > 5000:
		return nil, fault.Field("content", "反映的问题不超过 5000 字")
	}
	if utf8.RuneCountInString(in.Concerning) > 200 || utf8.RuneCountInString(in.Complainant) > 100 || utf8.RuneCountInString(in.Contact) > 100 {
		return nil, fault.Field("concerning", "涉及人员不超过 200 字，姓名和联系方式各不超过 100 字")
	}
	if in.Anonymous {
		in.Complainant, in.Contact = "", ""
	}
	if in.Source == "hotline" && in.TicketNo == "" {
		return nil, fault.Field("ticket_no", "12345 转办线索须填写工单编号")
	}
	if in.Source != "hotline" {
		in.TicketNo = ""
	}
	if in.OccurredOn == "" {
		return nil, nil
	}
	d, err := enforcement.ParseDate(in.OccurredOn)
	if err != nil {
		return nil, fault.Field("occurred_on", "发生日期应为 YYYY-MM-DD")
	}
	if d.After(today) {
		return nil, fault.Field("occurred_on", "发生日期不能晚于今天")
	}
	return &d, nil
}

// TrackingAlphabet spells tracking codes without letters that read like digits.
const trackingAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newTrackingCode makes a 12-character code (about 59 bits): the complainant's only key to
// the complaint, kept by zhifa as its SHA-256 alone.
func newTrackingCode() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = trackingAlphabet[int(b[i])%len(trackingAlphabet)]
	}
	return string(b)
}

func trackingHash(code string) []byte {
	// As people copy it: any case, with or without the dashes, spaces in between.
	h := sha256.Sum256([]byte(strings.ToUpper(strings.NewReplacer("-", "", " ", "", "\u3000", "").Replace(code))))
	return h[:]
}

// FormatTracking groups a code in fours, as the page prints it.
func FormatTracking(code string) string { return code[:4] + "-" + code[4:8] + "-" + code[8:] }

// clueNumber takes the next number of the region's clue sequence in tx, by the justice
// bureau's short name: e.g. 青司监线〔2026〕3号.
func clueNumber(ctx context.Context, tx pgx.Tx, region string, year int, kind string) (string, error) {
	var short string
	err := tx.QueryRow(ctx, `SELECT short_name FROM agencies WHERE region_code = $1 AND kind = 'justice' ORDER BY name LIMIT 1`, region).Scan(&short)
	if err != nil && err != pgx.ErrNoRows {
		return "", err
	}
	prefix := short + kind + "〔" + strconv.Itoa(year) + "〕"
	var seq int
	err = tx.QueryRow(ctx, `INSERT INTO supervision_sequences (region_code, prefix, year, last) VALUES ($1, $2, $3, 1)
		ON CONFLICT (region_code, prefix, year) DO UPDATE SET last = supervision_sequences.last + 1 RETURNING last`,
		region, prefix, year).Scan(&seq)
	return prefix + strconv.Itoa(seq) + "号", err
}

// registerClue writes a clue, its files and its first event in one transaction.
func (s *Service) registerClue(ctx context.Context, in ClueInput, region string, by *enforcement.Actor, files []ClueFile, tracking []byte) (Clue, error) {
	now := s.Cases.Now().UTC().Truncate(time.Microsecond)
	today := enforcement.DateOf(now)
	occurred, err := in.validate(today)
	if err != nil {
		return Clue{}, err
	}
	cal, err := s.Cases.Store.Calendar(ctx)
	if err != nil {
		return Clue{}, err
	}
	c := Clue{ID: uuid.New(), RegionCode: region, Source: in.Source, AgencyID: in.AgencyID, Concerning: in.Concerning,
		Content: in.Content, OccurredOn: occurred, Complainant: in.Complainant, Contact: in.Contact, State: "registered",
		DecideBy: cal.AddWorkingDays(today, s.clueDays()), CreatedAt: now, Files: files}
	if in.TicketNo != "" {
		c.TicketNo = &in.TicketNo
	}
	if in.SourceRef != "" {
		c.SourceRef = &in.SourceRef
	}
	var byID *uuid.UUID
	actor := "投诉举报人"
	if by != nil {
		byID, actor = &by.UserID, by.Name
	}
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if c.Number, err = clueNumber(ctx, tx, region, today.Year, "监线"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO supervision_clues (id, region_code, number, source, agency_id, concerning, content,
			occurred_on, complainant, contact, ticket_no, tracking_hash, decide_by, created_by, created_at, source_ref)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			c.ID, region, c.Number, c.Source, c.AgencyID, c.Concerning, c.Content, c.OccurredOn, c.Complainant, c.Contact,
			c.TicketNo, tracking, c.DecideBy, byID, now, c.SourceRef); err != nil {
			return enforcement.DBError(err, "线索")
		}
		for _, f := range files {
			if _, err := tx.Exec(ctx, `INSERT INTO supervision_clue_files (id, clue_id, object_key, version_id, filename, content_type, size, sha256, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, f.ID, c.ID, f.ObjectKey, f.VersionID, f.Filename, f.ContentType, f.Size, f.SHA256, now); err != nil {
				return err
			}
		}
		return addClueEvent(ctx, tx, c.ID, now, "registered", "已登记，编号 "+c.Number+"，应于 "+c.DecideBy.String()+" 前决定是否立项监督", true, byID, actor)
	})
	if err != nil {
		return Clue{}, enforcement.DBError(err, "线索")
	}
	return c, nil
}

func (s *Service) clueDays() int {
	if s.ClueDecideDays > 0 {
		return s.ClueDecideDays
	}
	return ClueDecideDays
}

func addClueEvent(ctx context.Context, tx pgx.Tx, id uuid.UUID, at time.Time, action, note string, public bool, actorID *uuid.UUID, actor string) error {
	_, err := tx.Exec(ctx, `INSERT INTO supervision_clue_events (clue_id, at, action, note, public, actor_id, actor) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		id, at, action, note, public, actorID, actor)
	return err
}

// Complaint is what the public portal takes: the clue and the attachments already stored.
type Complaint struct {
	ClueInput
	Files []ClueFile
}

// SubmitComplaint registers a public complaint about an agency of the portal and returns
// the clue with its tracking code, shown once.
func (s *Service) SubmitComplaint(ctx context.Context, in Complaint) (Clue, string, error) {
	in.Source = "public"
	if in.AgencyID == nil {
		return Clue{}, "", fault.Field("agency_id", "请选择被投诉的执法单位")
	}
	ag, err := s.Cases.Store.FindAgency(ctx, *in.AgencyID)
	if err != nil {
		return Clue{}, "", fault.Field("agency_id", "所选执法单位不存在")
	}
	if !in.Anonymous && (strings.TrimSpace(in.Complainant) == "" || strings.TrimSpace(in.Contact) == "") {
		return Clue{}, "", fault.Field("contact", "实名投诉请填写姓名和联系方式；不愿留名的，请选择匿名")
	}
	code := newTrackingCode()
	if s.TrackingCode != nil {
		code = s.TrackingCode()
	}
	c, err := s.registerClue(ctx, in.ClueInput, ag.RegionCode, nil, in.Files, trackingHash(code))
	c.AgencyName = ag.Name
	return c, code, err
}

// RegisterClue records a clue a supervisor enters (their own finding, or one from an
// evaluation or an alert), in their region.
func (s *Service) RegisterClue(ctx context.Context, a enforcement.Actor, in ClueInput) (Clue, error) {
	if err := a.Require(enforcement.RoleSupervisor); err != nil {
		return Clue{}, err
	}
	if in.Source == "" {
		in.Source = "supervisor"
	}
	if in.Source == "public" {
		return Clue{}, fault.Field("source", "群众投诉由投诉人在公示网站提交")
	}
	if err := s.agencyInScope(ctx, a, in.AgencyID); err != nil {
		return Clue{}, err
	}
	c, err := s.registerClue(ctx, in, a.RegionCode, &a, nil, nil)
	if err != nil {
		return c, err
	}
	return s.FindClue(ctx, a, c.ID)
}

func (s *Service) agencyInScope(ctx context.Context, a enforcement.Actor, id *uuid.UUID) error {
	if id == nil {
		return nil
	}
	ag, err := s.Cases.Store.FindAgency(ctx, *id)
	if err != nil || !a.Scope().Covers(ag) {
		return fault.Field("agency_id", "所选执法单位不存在或不在本辖区")
	}
	return nil
}

// HotlineTicket is one 12345 ticket transferred to the justice bureau.
type HotlineTicket struct {
	TicketNo    string `json:"ticket_no"`
	Agency      string `json:"agency"` // the agency's name as the ticket gives it
	Content     string `json:"content"`
	OccurredOn  string `json:"occurred_on"`
	Complainant string `json:"complainant"`
	Contact     string `json:"contact"`
}

// ImportResult says what a 12345 import did, line by line.
type ImportResult struct {
	Created    []string     `json:"created"`    // the clue numbers registered
	Duplicates []string     `json:"duplicates"` // tickets already registered
	Errors     []ImportLine `json:"errors"`
}

// ImportLine is a refused line of an import.
type ImportLine struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// ImportHotline registers each ticket as a clue. A line that is wrong is refused alone,
// with its line number; a ticket already registered is counted, not registered again.
func (s *Service) ImportHotline(ctx context.Context, a enforcement.Actor, tickets []HotlineTicket, firstLine int) (ImportResult, error) {
	res := ImportResult{Created: []string{}, Duplicates: []string{}, Errors: []ImportLine{}}
	if err := a.Require(enforcement.RoleSupervisor); err != nil {
		return res, err
	}
	agencies, err := s.Cases.Store.ListAgencies(ctx, enforcement.AgencyFilter{Scope: a.Scope(), Page: enforcement.Page{Number: 1, Size: 100000}})
	if err != nil {
		return res, err
	}
	byName := map[string]uuid.UUID{}
	for _, ag := range agencies.Items {
		byName[ag.Name] = ag.ID
	}
	for i, t := range tickets {
		line := firstLine + i
		in := ClueInput{Source: "hotline", TicketNo: t.TicketNo, Content: t.Content, OccurredOn: t.OccurredOn,
			Complainant: t.Complainant, Contact: t.Contact, Concerning: ""}
		if name := strings.TrimSpace(t.Agency); name != "" {
			id, ok := byName[name]
			if !ok {
				res.Errors = append(res.Errors, ImportLine{line, fmt.Sprintf("第 %d 行：执法单位“%s”不在本辖区的单位名录中", line, name)})
				continue
			}
			in.AgencyID = &id
		}
		if strings.TrimSpace(t.TicketNo) == "" {
			res.Errors = append(res.Errors, ImportLine{line, fmt.Sprintf("第 %d 行：缺少工单编号（ticket_no）", line)})
			continue
		}
		var exists bool
		if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM supervision_clues WHERE region_code = $1 AND ticket_no = $2)`,
			a.RegionCode, strings.TrimSpace(t.TicketNo)).Scan(&exists); err != nil {
			return res, enforcement.DBError(err, "线索")
		}
		if exists {
			res.Duplicates = append(res.Duplicates, strings.TrimSpace(t.TicketNo))
			continue
		}
		c, err := s.registerClue(ctx, in, a.RegionCode, &a, nil, nil)
		switch {
		case fault.KindOf(err) == fault.Invalid:
			res.Errors = append(res.Errors, ImportLine{line, fmt.Sprintf("第 %d 行：%s", line, fault.MessageOf(err))})
		case fault.KindOf(err) == fault.Conflict: // registered by a concurrent import
			res.Duplicates = append(res.Duplicates, strings.TrimSpace(t.TicketNo))
		case err != nil:
			return res, err
		default:
			res.Created = append(res.Created, c.Number)
		}
	}
	return res, nil
}

const clueCols = `c.id, c.region_code, c.number, c.source, c.agency_id, coalesce(ag.name, ''), c.concerning, c.content, c.occurred_on,
	c.complainant, c.contact, c.ticket_no, c.state, c.decide_by, c.merged_into, coalesce(m.number, ''), c.transferred_to, c.reason,
	c.public_reply, c.created_at, c.decided_at, c.source_ref, c.matter_id`

const clueFrom = ` FROM supervision_clues c LEFT JOIN agencies ag ON ag.id = c.agency_id LEFT JOIN supervision_clues m ON m.id = c.merged_into`

func scanClue(row pgx.CollectableRow) (Clue, error) {
	var c Clue
	err := row.Scan(&c.ID, &c.RegionCode, &c.Number, &c.Source, &c.AgencyID, &c.AgencyName, &c.Concerning, &c.Content, &c.OccurredOn,
		&c.Complainant, &c.Contact, &c.TicketNo, &c.State, &c.DecideBy, &c.MergedInto, &c.MergedNumber, &c.TransferredTo, &c.Reason,
		&c.PublicReply, &c.CreatedAt, &c.DecidedAt, &c.SourceRef, &c.MatterID)
	c.Files, c.Events = []ClueFile{}, []ClueEvent{}
	return c, err
}

// ClueFilter selects clues in a supervisor's region.
type ClueFilter struct {
	State   string
	Source  string
	Overdue bool
	Query   string
	Page    enforcement.Page
}

// Clues lists the region's clues, the undecided ones nearest their deadline first.
func (s *Service) Clues(ctx context.Context, a enforcement.Actor, f ClueFilter) (enforcement.List[Clue], error) {
	out := enforcement.List[Clue]{Items: []Clue{}}
	if err := a.Require(enforcement.RoleSupervisor); err != nil {
		return out, err
	}
	where, args := []string{"c.region_code LIKE $1 || '%'"}, []any{enforcement.RegionPrefix(a.RegionCode)}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.State != "" {
		if _, ok := clueStates[f.State]; !ok {
			return out, fault.Field("state", "状态应为 registered、opened、merged、transferred 或 closed")
		}
		add("c.state = ?", f.State)
	}
	if f.Source != "" {
		if _, ok := ClueSources[f.Source]; !ok {
			return out, fault.Field("source", "来源应为 public、hotline、evaluation、alert、supervisor 或 rating")
		}
		add("c.source = ?", f.Source)
	}
	if f.Overdue {
		add("c.state = 'registered' AND c.decide_by < ?", s.Cases.Today())
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		add("(c.number ILIKE '%' || ? || '%' OR c.content ILIKE '%' || ? || '%' OR c.ticket_no = ?)", q)
	}
	w := " WHERE " + strings.Join(where, " AND ")
	if err := s.db.QueryRow(ctx, `SELECT count(*)`+clueFrom+w, args...).Scan(&out.Total); err != nil {
		return out, enforcement.DBError(err, "线索")
	}
	rows, _ := s.db.Query(ctx, `SELECT `+clueCols+clueFrom+w+` ORDER BY (c.state = 'registered') DESC, c.decide_by, c.created_at DESC
		LIMIT `+strconv.Itoa(f.Page.Size)+` OFFSET `+strconv.Itoa(f.Page.Offset()), args...)
	items, err := pgx.CollectRows(rows, scanClue)
	if err != nil {
		return out, enforcement.DBError(err, "线索")
	}
	if items != nil {
		out.Items = items
	}
	return out, nil
}

// FindClue returns one clue of the supervisor's region with its files and every step.
func (s *Service) FindClue(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Clue, error) {
	if err := a.Require(enforcement.RoleSupervisor); err != nil {
		return Clue{}, fault.New(fault.NotFound, "线索不存在")
	}
	c, err := s.clueWhere(ctx, `c.id = $1`, id)
	if err != nil {
		return c, err
	}
	if !strings.HasPrefix(c.RegionCode, enforcement.RegionPrefix(a.RegionCode)) {
		return Clue{}, fault.New(fault.NotFound, "线索不存在")
	}
	return c, s.clueDetails(ctx, &c, false)
}

func (s *Service) clueWhere(ctx context.Context, where string, args ...any) (Clue, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+clueCols+clueFrom+` WHERE `+where, args...)
	c, err := pgx.CollectExactlyOneRow(rows, scanClue)
	if err == pgx.ErrNoRows {
		return c, fault.New(fault.NotFound, "线索不存在")
	}
	return c, enforcement.DBError(err, "线索")
}

func (s *Service) clueDetails(ctx context.Context, c *Clue, publicOnly bool) error {
	rows, _ := s.db.Query(ctx, `SELECT id, filename, content_type, size, sha256, object_key, version_id FROM supervision_clue_files
		WHERE clue_id = $1 ORDER BY created_at, filename`, c.ID)
	files, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ClueFile, error) {
		var f ClueFile
		return f, r.Scan(&f.ID, &f.Filename, &f.ContentType, &f.Size, &f.SHA256, &f.ObjectKey, &f.VersionID)
	})
	if err != nil {
		return enforcement.DBError(err, "线索")
	}
	q := `SELECT at, action, note, public, actor FROM supervision_clue_events WHERE clue_id = $1`
	if publicOnly {
		q += ` AND public`
	}
	rows, _ = s.db.Query(ctx, q+` ORDER BY id`, c.ID)
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ClueEvent, error) {
		var e ClueEvent
		return e, r.Scan(&e.At, &e.Action, &e.Note, &e.Public, &e.Actor)
	})
	if err != nil {
		return enforcement.DBError(err, "线索")
	}
	if files != nil {
		c.Files = files
	}
	if events != nil {
		c.Events = events
	}
	return nil
}

// PublicClue is what a complainant sees with their tracking code: their complaint's
// number, state, the public steps and the reply; never another complaint, never the
// supervisors' internal notes.
type PublicClue struct {
	Number       string           `json:"number"`
	AgencyName   string           `json:"agency_name"`
	Content      string           `json:"content"`
	State        string           `json:"state"`
	StateLabel   string           `json:"state_label"`
	SubmittedAt  time.Time        `json:"submitted_at"`
	DecideBy     enforcement.Date `json:"decide_by"`
	Reply        string           `json:"reply"`
	Overdue      bool             `json:"overdue"`                 // still undecided after its deadline
	MergedNumber string           `json:"merged_number,omitempty"` // the clue it is handled with
	Files        []string         `json:"files"`
	Events       []ClueEvent      `json:"events"`
}

// ComplaintByTracking finds a complaint by its tracking code.
func (s *Service) ComplaintByTracking(ctx context.Context, code string) (PublicClue, error) {
	c, err := s.clueWhere(ctx, `c.tracking_hash = $1`, trackingHash(code))
	if err != nil {
		return PublicClue{}, fault.New(fault.NotFound, "没有这个查询码对应的投诉，请核对后重新输入")
	}
	if err := s.clueDetails(ctx, &c, true); err != nil {
		return PublicClue{}, err
	}
	p := PublicClue{Number: c.Number, AgencyName: c.AgencyName, Content: c.Content, State: c.State, StateLabel: c.StateLabel(),
		SubmittedAt: c.CreatedAt, DecideBy: c.DecideBy, Reply: c.PublicReply, Files: []string{}, Events: c.Events,
		Overdue: c.Overdue(s.Cases.Today())}
	// A complaint merged into another is answered by that one: its state, deadline, reply
	// and public steps follow, after the merge.
	if c.State == "merged" && c.MergedInto != nil {
		t, err := s.clueWhere(ctx, `c.id = $1`, *c.MergedInto)
		if err != nil {
			return PublicClue{}, err
		}
		if err := s.clueDetails(ctx, &t, true); err != nil {
			return PublicClue{}, err
		}
		p.MergedNumber, p.State, p.StateLabel, p.DecideBy, p.Reply = t.Number, t.State, t.StateLabel(), t.DecideBy, t.PublicReply
		p.Overdue = t.Overdue(s.Cases.Today())
		c.MatterID = t.MatterID
		for _, e := range t.Events {
			if e.At.After(c.CreatedAt) && e.Action != "registered" {
				p.Events = append(p.Events, e)
			}
		}
	}
	// A clue stays opened for good; its matter's conclusion is what the complainant waits for.
	if p.State == "opened" && c.MatterID != nil {
		var concluded bool
		if err := s.db.QueryRow(ctx, `SELECT state = 'concluded' FROM supervision_matters WHERE id = $1`, *c.MatterID).Scan(&concluded); err != nil {
			return PublicClue{}, enforcement.DBError(err, "监督事项")
		}
		if concluded {
			p.State, p.StateLabel = "concluded", "已办结"
		}
	}
	for _, f := range c.Files {
		p.Files = append(p.Files, f.Filename)
	}
	for i := range p.Events {
		p.Events[i].Actor = "" // the complainant learns what was done, not by whom
	}
	return p, nil
}

// ClueDecision is how a supervisor settles an undecided clue other than by opening a
// matter: merging it into another clue, transferring it, or closing it.
type ClueDecision struct {
	Into        string `json:"into"` // merge: the other clue's number or ID
	To          string `json:"to"`   // transfer: the body that should handle it
	Reason      string `json:"reason"`
	PublicReply string `json:"public_reply"`
}

// DecideClue merges, transfers or closes a registered clue, with the reason kept and, for
// a complaint, a reply its complainant reads.
func (s *Service) DecideClue(ctx context.Context, a enforcement.Actor, id uuid.UUID, action string, in ClueDecision) (Clue, error) {
	c, err := s.FindClue(ctx, a, id)
	if err != nil {
		return c, err
	}
	in.Reason, in.PublicReply, in.To, in.Into = strings.TrimSpace(in.Reason), strings.TrimSpace(in.PublicReply), strings.TrimSpace(in.To), strings.TrimSpace(in.Into)
	if c.State != "registered" {
		return c, fault.New(fault.Conflict, "线索 %s 已%s，不能再处理", c.Number, c.StateLabel())
	}
	if in.Reason == "" {
		return c, fault.Field("reason", "请写明理由")
	}
	if utf8.RuneCountInString(in.Reason) > 2000 || utf8.RuneCountInString(in.PublicReply) > 2000 {
		return c, fault.Field("reason", "理由和答复各不超过 2000 字")
	}
	if c.Source == "public" && in.PublicReply == "" && action != "merge" {
		return c, fault.Field("public_reply", "群众投诉须写明给投诉人的答复")
	}
	var into *Clue
	var note string
	switch action {
	case "merge":
		other, err := s.clueByRef(ctx, a, in.Into)
		if err != nil {
			return c, err
		}
		if other.ID == c.ID {
			return c, fault.Field("into", "不能合并到线索本身")
		}
		switch other.State {
		case "merged":
			return c, fault.Field("into", "线索 %s 已合并到 %s，请合并到后者", other.Number, other.MergedNumber)
		case "closed", "transferred":
			return c, fault.Field("into", "线索 %s 已%s，不能再合并进去", other.Number, other.StateLabel())
		}
		into = &other
		note = "已合并到线索 " + other.Number + " 一并处理"
	case "transfer":
		if in.To == "" {
			return c, fault.Field("to", "请写明转办给哪个机关")
		}
		note = "已转 " + in.To + " 处理"
	case "close":
		note = "经审查不予立项监督"
	default:
		return c, fault.New(fault.NotFound, "没有这项操作")
	}
	now := s.Cases.Now().UTC().Truncate(time.Microsecond)
	state := map[string]string{"merge": "merged", "transfer": "transferred", "close": "closed"}[action]
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var mergedInto *uuid.UUID
		if into != nil {
			mergedInto = &into.ID
		}
		tag, err := tx.Exec(ctx, `UPDATE supervision_clues SET state = $2, merged_into = $3, transferred_to = $4, reason = $5,
			public_reply = $6, decided_by = $7, decided_at = $8 WHERE id = $1 AND state = 'registered'`,
			c.ID, state, mergedInto, in.To, in.Reason, in.PublicReply, a.UserID, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fault.New(fault.Conflict, "线索 %s 已被他人处理", c.Number)
		}
		if err := addClueEvent(ctx, tx, c.ID, now, "reason", in.Reason, false, &a.UserID, a.Name); err != nil {
			return err
		}
		if err := addClueEvent(ctx, tx, c.ID, now, state, note, true, &a.UserID, a.Name); err != nil {
			return err
		}
		if into != nil {
			return addClueEvent(ctx, tx, into.ID, now, "merged_in", "线索 "+c.Number+" 合并到本线索", false, &a.UserID, a.Name)
		}
		return nil
	})
	if err != nil {
		return c, enforcement.DBError(err, "线索")
	}
	return s.FindClue(ctx, a, id)
}

func (s *Service) clueByRef(ctx context.Context, a enforcement.Actor, ref string) (Clue, error) {
	if ref == "" {
		return Clue{}, fault.Field("into", "请填写要合并到的线索编号")
	}
	if id, err := uuid.Parse(ref); err == nil {
		return s.FindClue(ctx, a, id)
	}
	c, err := s.clueWhere(ctx, `c.number = $1 AND c.region_code LIKE $2 || '%'`, ref, enforcement.RegionPrefix(a.RegionCode))
	if err != nil {
		return c, fault.Field("into", "没有编号为“%s”的线索", ref)
	}
	return c, nil
}

// registerOnce registers a clue from what in.SourceRef names, once: a second time, or
// at the same moment elsewhere, it answers the clue there is, with the conflict already
// (whose %s is that clue's number).
func (s *Service) registerOnce(ctx context.Context, a enforcement.Actor, in ClueInput, already string) (Clue, error) {
	if c, err := s.clueWhere(ctx, `c.source_ref = $1`, in.SourceRef); err == nil {
		return c, fault.New(fault.Conflict, already, c.Number)
	}
	c, err := s.registerClue(ctx, in, a.RegionCode, &a, nil, nil)
	if fault.KindOf(err) == fault.Conflict {
		if c, err2 := s.clueWhere(ctx, `c.source_ref = $1`, in.SourceRef); err2 == nil {
			return c, fault.New(fault.Conflict, already, c.Number)
		}
	}
	return c, err
}

// EvaluationRef is where a clue from a case-file evaluation came from.
func EvaluationRef(evaluationID, caseID uuid.UUID) string {
	return "evaluation:" + evaluationID.String() + ":" + caseID.String()
}

// CheckLink is the check whose rating a clue came from, or "".
func (c Clue) CheckLink() string {
	if c.SourceRef == nil || !strings.HasPrefix(*c.SourceRef, "rating:") {
		return ""
	}
	return "/inspection/checks/" + strings.TrimPrefix(*c.SourceRef, "rating:")
}

// FileLink is the workpaper page of the evaluated file a clue came from, or "".
func (c Clue) FileLink() string {
	if c.SourceRef == nil || !strings.HasPrefix(*c.SourceRef, "evaluation:") {
		return ""
	}
	parts := strings.Split(*c.SourceRef, ":")
	if len(parts) != 3 {
		return ""
	}
	return "/evaluations/" + parts[1] + "/files/" + parts[2]
}

// ClueFromFile turns a file an evaluation rated 不合格 into a clue about its agency, once.
func (s *Service) ClueFromFile(ctx context.Context, a enforcement.Actor, evaluationID, caseID uuid.UUID) (Clue, error) {
	if err := a.Require(enforcement.RoleSupervisor); err != nil {
		return Clue{}, err
	}
	w, err := s.Workpaper(ctx, a, evaluationID, caseID)
	if err != nil {
		return Clue{}, err
	}
	if w.Score == nil || w.Score.Rating != Fail {
		return Clue{}, fault.New(fault.Conflict, "只有评为不合格的案卷可以转为监督线索")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "案卷评查“%s”中，%s的案卷 %s（%s）评为不合格（%.1f 分", w.Evaluation.Name, w.File.AgencyName, w.File.CaseNumber, w.File.CaseCause, w.Score.Total)
	if w.Score.Vetoed {
		b.WriteString("，有否决项")
	}
	b.WriteString("）。")
	var problems []string
	for _, d := range w.Score.Deductions {
		if !d.Problem() {
			continue
		}
		title := d.ItemTitle
		if it, ok := w.Rubric.Item(d.ItemCode); ok && title == "" {
			title = it.Title
		}
		p := title
		if d.Note != "" {
			p += "：" + d.Note
		}
		problems = append(problems, p)
	}
	if len(problems) > 0 {
		b.WriteString("问题：" + strings.Join(problems, "；") + "。")
	}
	agency := w.File.AgencyID
	c, err := s.registerOnce(ctx, a, ClueInput{Source: "evaluation", AgencyID: &agency, Concerning: w.File.CaseNumber,
		Content: b.String(), SourceRef: EvaluationRef(evaluationID, caseID)}, "该案卷已转为监督线索 %s")
	if err != nil {
		return c, err
	}
	return s.FindClue(ctx, a, c.ID)
}

// ClueFromRating turns a firm's rating of a check, 1–2 stars with a comment, into a clue
// about the agency that checked, once. The clue names the check, not the firm: the
// department reads clues about itself, and ratings are anonymous to it.
func (s *Service) ClueFromRating(ctx context.Context, a enforcement.Actor, checkID uuid.UUID) (Clue, error) {
	if err := s.requireSupervisor(a); err != nil {
		return Clue{}, err
	}
	var (
		stars          int
		comment, title string
		region, names  string
		agency         *uuid.UUID
		ratedAt        time.Time
	)
	err := s.db.QueryRow(ctx, `SELECT r.stars, r.comment, r.rated_at, coalesce(t.region_code, ag.region_code, c.region_code),
			coalesce(c.agency_id, (SELECT o.agency_id FROM officers o WHERE o.id = c.inspector_ids[1])),
			coalesce(`+inspection.InspectorAgencies+`, ''),
			CASE c.origin WHEN 'joint' THEN '联合检查（综合查一次）' WHEN 'draw' THEN '双随机抽查“' || coalesce(t.name, '') || '”' ELSE '计划外检查' END
		FROM inspection_ratings r JOIN inspection_checks c ON c.id = r.check_id LEFT JOIN inspection_tasks t ON t.id = c.task_id
		LEFT JOIN agencies ag ON ag.id = c.agency_id WHERE r.check_id = $1`, checkID).
		Scan(&stars, &comment, &ratedAt, &region, &agency, &names, &title)
	if err == pgx.ErrNoRows || (err == nil && !strings.HasPrefix(region, enforcement.RegionPrefix(a.RegionCode))) {
		return Clue{}, fault.New(fault.NotFound, "这次检查没有企业评价")
	}
	if err != nil {
		return Clue{}, enforcement.DBError(err, "评价")
	}
	if stars > 2 || comment == "" {
		return Clue{}, fault.New(fault.Conflict, "只有 1–2 星并写有意见的评价可以转为监督线索")
	}
	c, err := s.registerOnce(ctx, a, ClueInput{Source: "rating", AgencyID: agency,
		Content:    fmt.Sprintf("受检企业对%s的一次%s评价 %d 星（满分 5 星），意见：“%s”", names, title, stars, comment),
		OccurredOn: enforcement.DateOf(ratedAt).String(), SourceRef: "rating:" + checkID.String()}, "该评价已转为监督线索 %s")
	if err != nil {
		return c, err
	}
	if _, err := s.db.Exec(ctx, `UPDATE inspection_ratings SET clue_id = $2 WHERE check_id = $1 AND clue_id IS NULL`, checkID, c.ID); err != nil {
		return c, enforcement.DBError(err, "评价")
	}
	return s.FindClue(ctx, a, c.ID)
}
