package enforcement

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/fault"
)

// Disclosure is one item the public must see after enforcement (事后公开): a decision now,
// inspection results later. Its content is redacted when the item is made.
type Disclosure struct {
	ID             uuid.UUID         `json:"id"`
	Kind           string            `json:"kind"`
	CaseID         *uuid.UUID        `json:"case_id"`
	CheckID        *uuid.UUID        `json:"check_id"`
	AgencyID       uuid.UUID         `json:"agency_id"`
	AgencyName     string            `json:"agency_name"`
	State          string            `json:"state"` // due, published or withdrawn
	StartOn        Date              `json:"start_on"`
	DueDays        int               `json:"due_days"`
	DueAt          Date              `json:"due_at"` // counted on the calendar as it is now
	Overdue        bool              `json:"overdue"`
	Minor          bool              `json:"minor"`
	Title          string            `json:"title"`
	Content        DisclosureContent `json:"content"`
	DecidedOn      Date              `json:"decided_on"`
	PublishedAt    *time.Time        `json:"published_at"`
	DisplayUntil   *Date             `json:"display_until"`
	Expired        bool              `json:"expired"`
	WithdrawFrom   *Date             `json:"-"`
	WithdrawCause  string            `json:"withdraw_cause,omitempty"`
	WithdrawDueAt  *Date             `json:"withdraw_due_at,omitempty"`
	WithdrawLate   bool              `json:"withdraw_overdue,omitempty"`
	WithdrawnAt    *time.Time        `json:"withdrawn_at"`
	WithdrawReason string            `json:"withdraw_reason,omitempty"`

	search string // number, cause and organisations: all that the public may search by
}

// DisclosureContent is what the public reads, already redacted.
type DisclosureContent struct {
	Number             string  `json:"number"`
	Agency             string  `json:"agency"`
	CaseKind           string  `json:"case_kind"`
	Cause              string  `json:"cause"`
	LegalBasis         string  `json:"legal_basis"`
	Parties            []Party `json:"parties"`
	Outcome            string  `json:"outcome"`
	FineAmount         int64   `json:"fine_amount"`
	ConfiscationAmount int64   `json:"confiscation_amount"`
	LicenseRevoked     bool    `json:"license_revoked"`
	BusinessSuspended  bool    `json:"business_suspended"`
	Text               string  `json:"text"`
	DecidedOn          Date    `json:"decided_on"`
	// Categories are the decision's, as codes of its kind (CategoriesOf); absent on items
	// published before decisions named them.
	Categories []string `json:"categories,omitempty"`
	LicenseRef string   `json:"license_ref,omitempty"` // the licence suspended or revoked, redacted
}

// DisclosurePolicy holds the periods that configuration sets.
type DisclosurePolicy struct {
	DisplayMonths      int // how long a published decision stays up
	DisplayMonthsMinor int // the same for a minor penalty
	RepairMonths       int // the minimum period before a credit repair may end it
}

// disclosureDays is the publication deadline in working days: 7 for penalties and
// licences, 20 for other decisions and for inspection results.
func disclosureDays(k CaseKind) int {
	if k == "penalty" || k == "license" {
		return 7
	}
	return 20
}

// minorPenalty is a penalty of the kind the simplified procedure allows (art. 51): a
// warning or a fine up to 200 yuan for a person, 3,000 for an organisation, and nothing else.
func minorPenalty(c *Case, d *Decision) bool {
	if d.Outcome != "penalty" || d.ConfiscationAmount > 0 || d.LicenseRevoked || d.BusinessSuspended {
		return false
	}
	for _, cat := range d.Categories {
		if cat != "warning" && cat != "fine" {
			return false
		}
	}
	limit := int64(200_00)
	for _, p := range c.Parties {
		if p.Type == "org" {
			limit = 3_000_00
		}
	}
	return d.FineAmount <= limit
}

// DecisionDisclosure makes the item for a case decided at now, redacting everything.
func DecisionDisclosure(c *Case, now time.Time) Disclosure {
	red := NewRedaction(c.Parties)
	d := c.Decision
	parties := make([]Party, len(c.Parties))
	var orgs []string
	for i, p := range c.Parties {
		parties[i] = red.Party(p)
		if p.Type == "org" {
			orgs = append(orgs, p.Name)
		}
	}
	id := c.ID
	content := DisclosureContent{Number: c.Number, Agency: c.AgencyName, CaseKind: c.Kind.Label(), Cause: red.Text(c.Cause),
		LegalBasis: red.Text(c.LegalBasis), Parties: parties, Outcome: d.Outcome, FineAmount: d.FineAmount,
		ConfiscationAmount: d.ConfiscationAmount, LicenseRevoked: d.LicenseRevoked, BusinessSuspended: d.BusinessSuspended,
		Text: red.Text(d.Text), DecidedOn: DateOf(now), Categories: d.Categories, LicenseRef: red.Text(d.LicenseRef)}
	return Disclosure{ID: uuid.New(), Kind: "decision", CaseID: &id, AgencyID: c.AgencyID, AgencyName: c.AgencyName, State: "due",
		StartOn: DateOf(now), DueDays: disclosureDays(c.Kind), Minor: minorPenalty(c, d),
		Title: red.Text(c.Number + " " + c.Cause), Content: content, DecidedOn: DateOf(now),
		search: strings.Join(append([]string{c.Number, red.Text(c.Cause)}, orgs...), " ")}
}

// CheckResult is what an inspection check's result discloses.
type CheckResult struct {
	CheckID    uuid.UUID
	CaseID     uuid.UUID // the check's record
	AgencyID   uuid.UUID
	AgencyName string
	TaskName   string
	Matters    string
	TargetName string
	TargetCode string
	Result     string // the standard category, as people read it
	Findings   string
}

// DiscloseCheckTx makes the item of an inspection result inside the caller's
// transaction: due in 20 working days, published at once where the agency publishes
// automatically.
func (s *Service) DiscloseCheckTx(ctx context.Context, tx pgx.Tx, r CheckResult) (uuid.UUID, error) {
	now := s.Now()
	red := NewRedaction(nil)
	caseID, checkID := r.CaseID, r.CheckID
	d := Disclosure{ID: uuid.New(), Kind: "inspection_result", CaseID: &caseID, CheckID: &checkID, AgencyID: r.AgencyID,
		State: "due", StartOn: DateOf(now), DueDays: 20, Title: "双随机抽查结果 " + r.TargetName,
		Content: DisclosureContent{Number: r.TaskName, Agency: r.AgencyName, CaseKind: "双随机抽查", Cause: r.Matters,
			Parties: []Party{{Type: "org", Name: r.TargetName, IDNumber: r.TargetCode}}, Outcome: r.Result,
			Text: red.Text(r.Findings), DecidedOn: DateOf(now)},
		DecidedOn: DateOf(now), search: r.TaskName + " " + r.TargetName + " " + r.TargetCode}
	return d.ID, s.addDisclosureTx(ctx, tx, &d, now)
}

// discloseDecisionTx makes the item of a case just decided, inside the move's
// transaction; an agency that publishes automatically publishes it at once.
func (s *Service) discloseDecisionTx(ctx context.Context, tx pgx.Tx, c *Case, now time.Time) error {
	d := DecisionDisclosure(c, now)
	return s.addDisclosureTx(ctx, tx, &d, now)
}

// addDisclosureTx stores a new item, published at once where its agency publishes
// automatically.
func (s *Service) addDisclosureTx(ctx context.Context, tx pgx.Tx, d *Disclosure, now time.Time) error {
	var auto bool
	if err := tx.QueryRow(ctx, `SELECT auto_publish FROM agencies WHERE id = $1`, d.AgencyID).Scan(&auto); err != nil {
		return DBError(err, "机构")
	}
	if auto {
		until := s.Disclosure.DisplayUntil(DateOf(now), d.Minor)
		d.State, d.PublishedAt, d.DisplayUntil = "published", &now, &until
	}
	if err := s.Store.insertDisclosureTx(ctx, tx, d); err != nil {
		return err
	}
	return enqueuePublishedTx(ctx, tx, d)
}

// Settle fills in what is counted from the calendar and today.
func (d *Disclosure) Settle(cal *Calendar, today Date) {
	d.DueAt = cal.AddWorkingDays(d.StartOn, d.DueDays)
	// A decision that must come down (revoked, changed, found unlawful) must not go up
	// either, so it is never late in going up.
	d.Overdue = d.State == "due" && d.WithdrawFrom == nil && today.After(d.DueAt)
	d.Expired = d.State == "published" && d.DisplayUntil != nil && today.After(*d.DisplayUntil)
	if d.WithdrawFrom != nil && d.State != "withdrawn" {
		due := cal.AddWorkingDays(*d.WithdrawFrom, 3)
		d.WithdrawDueAt, d.WithdrawLate = &due, today.After(due)
	}
}

// PublicState is what the public URL says about the item.
func (d *Disclosure) PublicState() string {
	switch {
	case d.State == "withdrawn":
		return "withdrawn"
	case d.Expired:
		return "expired"
	}
	return d.State
}

const disclosureCols = `d.id, d.kind, d.case_id, d.check_id, d.agency_id, a.name, d.state, d.start_on, d.due_days, d.minor, d.title,
	d.content, d.decided_on, d.published_at, d.display_until, d.withdraw_from, d.withdraw_cause, d.withdrawn_at, d.withdraw_reason`

func scanDisclosure(row pgx.CollectableRow) (Disclosure, error) {
	var d Disclosure
	err := row.Scan(&d.ID, &d.Kind, &d.CaseID, &d.CheckID, &d.AgencyID, &d.AgencyName, &d.State, &d.StartOn, &d.DueDays, &d.Minor,
		&d.Title, &d.Content, &d.DecidedOn, &d.PublishedAt, &d.DisplayUntil, &d.WithdrawFrom, &d.WithdrawCause, &d.WithdrawnAt,
		&d.WithdrawReason)
	return d, err
}

// insertDisclosureTx stores a new item; with the agency's automatic publication it is
// published at once.
func (s *Store) insertDisclosureTx(ctx context.Context, tx pgx.Tx, d *Disclosure) error {
	_, err := tx.Exec(ctx, `INSERT INTO disclosures (id, kind, case_id, check_id, agency_id, state, start_on, due_days, minor, title,
		content, search, decided_on, published_at, display_until, withdrawn_at, withdraw_reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		d.ID, d.Kind, d.CaseID, d.CheckID, d.AgencyID, d.State, d.StartOn, d.DueDays, d.Minor, d.Title, d.Content, d.search,
		d.DecidedOn, d.PublishedAt, d.DisplayUntil, d.WithdrawnAt, d.WithdrawReason)
	return DBError(err, "公示事项")
}

// ImportDisclosures stores items made elsewhere (the demo seed, a migration from an
// older portal) in one transaction, with the credit events of those published (and
// withdrawn) at the times they were.
func (s *Store) ImportDisclosures(ctx context.Context, ds []Disclosure) error {
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		for i := range ds {
			d := &ds[i]
			if err := s.insertDisclosureTx(ctx, tx, d); err != nil {
				return err
			}
			if err := enqueuePublishedTx(ctx, tx, d); err != nil {
				return err
			}
			if d.State == "withdrawn" && d.WithdrawnAt != nil {
				if err := enqueueWithdrawnTx(ctx, tx, d, *d.WithdrawnAt); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return DBError(err, "公示事项")
}

// DisplayUntil is when an item published on a day stops being shown.
func (p DisclosurePolicy) DisplayUntil(published Date, minor bool) Date {
	months := p.DisplayMonths
	if minor {
		months = p.DisplayMonthsMinor
	}
	t := published.StartIn().AddDate(0, months, 0)
	return DateOf(t)
}

// FindDisclosure returns one item.
func (s *Store) FindDisclosure(ctx context.Context, id uuid.UUID) (Disclosure, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+disclosureCols+` FROM disclosures d JOIN agencies a ON a.id = d.agency_id WHERE d.id = $1`, id)
	d, err := pgx.CollectExactlyOneRow(rows, scanDisclosure)
	return d, DBError(err, "公示事项")
}

// DisclosureFilter narrows a list of items.
type DisclosureFilter struct {
	Scope    Scope
	State    string // due, overdue, published, withdrawn, expired, withdrawal_due
	CaseID   *uuid.UUID
	AgencyID *uuid.UUID
	Page     Page
}

// disclosureRows lists items in a scope by stored state; derived states are filtered by
// the caller after settling.
func (s *Store) disclosureRows(ctx context.Context, f DisclosureFilter, stored string, all bool) (List[Disclosure], error) {
	var args []any
	where := []string{scopeSQL(f.Scope, "a", &args)}
	if stored != "" {
		where = append(where, "d.state = "+arg(&args, stored))
	}
	if f.CaseID != nil {
		where = append(where, "d.case_id = "+arg(&args, *f.CaseID))
	}
	if f.AgencyID != nil {
		where = append(where, "d.agency_id = "+arg(&args, *f.AgencyID))
	}
	if f.State == "withdrawal_due" {
		where = append(where, "d.withdraw_from IS NOT NULL", "d.state <> 'withdrawn'")
	}
	p := f.Page
	if all {
		p = Page{Number: 1, Size: 100_000}
	}
	return ListPage(ctx, s.db, Query{Select: disclosureCols, From: "disclosures d JOIN agencies a ON a.id = d.agency_id",
		Where: where, Order: "d.start_on, d.id", Args: args}, p, scanDisclosure)
}

// ListDisclosures lists the items the actor may see in a state.
func (s *Service) ListDisclosures(ctx context.Context, a Actor, f DisclosureFilter) (List[Disclosure], error) {
	cal, err := s.Store.Calendar(ctx)
	if err != nil {
		return List[Disclosure]{}, err
	}
	today := DateOf(s.Now())
	f.Scope = a.Scope()
	var stored string
	derived := false
	switch f.State {
	case "", "published", "withdrawn":
		stored = f.State
	case "due", "overdue": // due: not published, within its deadline and not to be withdrawn
		stored, derived = "due", true
	case "expired":
		stored, derived = "published", true
	case "withdrawal_due": // published or not yet: either way it must be withdrawn
		derived = true
	case "on_time", "late": // published by its deadline, or after it (the 及时率's rows)
		derived = true
	default:
		return List[Disclosure]{}, fault.Field("state", "状态应为待公示、逾期未公示、公示中、已撤回、公示期满、待撤回、按时公示或逾期公示之一")
	}
	l, err := s.Store.disclosureRows(ctx, f, stored, derived)
	if err != nil {
		return l, err
	}
	for i := range l.Items {
		l.Items[i].Settle(cal, today)
	}
	if !derived {
		return l, nil
	}
	var keep []Disclosure
	for _, d := range l.Items {
		late := d.PublishedAt != nil && DateOf(*d.PublishedAt).After(d.DueAt)
		if (f.State == "overdue" && d.Overdue) || (f.State == "due" && !d.Overdue && d.WithdrawFrom == nil) || (f.State == "expired" && d.Expired) ||
			(f.State == "withdrawal_due" && d.WithdrawDueAt != nil) || (f.State == "late" && late) ||
			(f.State == "on_time" && d.PublishedAt != nil && !late) {
			keep = append(keep, d)
		}
	}
	out := List[Disclosure]{Items: []Disclosure{}, Total: len(keep)}
	if lo := f.Page.Offset(); lo < len(keep) {
		out.Items = keep[lo:min(lo+f.Page.Size, len(keep))]
	}
	return out, nil
}

// FindDisclosure returns an item the actor may see.
func (s *Service) FindDisclosure(ctx context.Context, a Actor, id uuid.UUID) (Disclosure, error) {
	d, err := s.Store.FindDisclosure(ctx, id)
	if err != nil {
		return d, err
	}
	if err := s.inScope(ctx, a, d.AgencyID, "公示事项"); err != nil {
		return Disclosure{}, err
	}
	return d, s.settleOne(ctx, &d)
}

func (s *Service) settleOne(ctx context.Context, d *Disclosure) error {
	cal, err := s.Store.Calendar(ctx)
	if err != nil {
		return err
	}
	d.Settle(cal, DateOf(s.Now()))
	return nil
}

// mayPublish: administrators of the region and the case's own handlers publish.
func (s *Service) mayPublish(ctx context.Context, a Actor, d Disclosure) error {
	if a.Has(RoleAdmin) {
		return nil
	}
	if d.CaseID != nil {
		c, err := s.CaseInScope(ctx, a, *d.CaseID)
		if err == nil && a.IsHandler(c) {
			return nil
		}
	}
	return fault.New(fault.Forbidden, "只有本单位管理员或本案承办人员可以公示或撤回")
}

// changeDisclosure locks the item's case and item, applies fn, and writes the record.
func (s *Service) changeDisclosure(ctx context.Context, a Actor, id uuid.UUID, fn func(tx pgx.Tx, d *Disclosure, now time.Time) (string, error)) (Disclosure, error) {
	return s.changeDisclosureAs(ctx, a, id, s.mayPublish, fn)
}

// changeDisclosureAs is changeDisclosure with its own rule of who may.
func (s *Service) changeDisclosureAs(ctx context.Context, a Actor, id uuid.UUID, may func(context.Context, Actor, Disclosure) error,
	fn func(tx pgx.Tx, d *Disclosure, now time.Time) (string, error)) (Disclosure, error) {
	d, err := s.FindDisclosure(ctx, a, id)
	if err != nil {
		return d, err
	}
	if err := may(ctx, a, d); err != nil {
		return Disclosure{}, err
	}
	now := s.Now()
	if d.CaseID == nil {
		return Disclosure{}, fault.New(fault.Conflict, "该事项不属于案件")
	}
	_, err = s.Store.UpdateCaseTx(ctx, *d.CaseID, func(tx pgx.Tx, c *Case) (*TimelineEntry, error) {
		rows, _ := tx.Query(ctx, `SELECT `+disclosureCols+` FROM disclosures d JOIN agencies a ON a.id = d.agency_id WHERE d.id = $1 FOR UPDATE OF d`, id)
		cur, err := pgx.CollectExactlyOneRow(rows, scanDisclosure)
		if err != nil {
			return nil, DBError(err, "公示事项")
		}
		note, err := fn(tx, &cur, now)
		if err != nil {
			return nil, err
		}
		return &TimelineEntry{Stage: c.State, Kind: "disclosure", Note: note, OccurredAt: now, AuthorID: &a.UserID, AuthorName: a.Name,
			Data: map[string]any{"disclosure_id": id, "state": cur.State, "reason": cur.WithdrawReason}}, nil
	})
	if err != nil {
		return Disclosure{}, err
	}
	return s.FindDisclosure(ctx, a, id)
}

// PublishDisclosure publishes a due item.
func (s *Service) PublishDisclosure(ctx context.Context, a Actor, id uuid.UUID) (Disclosure, error) {
	return s.changeDisclosure(ctx, a, id, func(tx pgx.Tx, d *Disclosure, now time.Time) (string, error) {
		switch {
		case d.State != "due":
			return "", fault.New(fault.Conflict, "该事项已%s，不能再次公示", map[string]string{"published": "公示", "withdrawn": "撤回"}[d.State])
		case d.WithdrawFrom != nil:
			return "", fault.New(fault.Conflict, "该决定已被%s，不应公示", d.WithdrawCause)
		}
		until := s.Disclosure.DisplayUntil(DateOf(now), d.Minor)
		if _, err := tx.Exec(ctx, `UPDATE disclosures SET state = 'published', published_at = $2, published_by = $3, display_until = $4 WHERE id = $1`,
			d.ID, now, a.UserID, until); err != nil {
			return "", DBError(err, "公示事项")
		}
		d.State, d.PublishedAt, d.DisplayUntil = "published", &now, &until
		if err := enqueuePublishedTx(ctx, tx, d); err != nil {
			return "", err
		}
		return fmt.Sprintf("公示行政执法决定（公示至 %s）", until), nil
	})
}

// WithdrawDisclosure takes an item down; the public URL then shows the reason.
func (s *Service) WithdrawDisclosure(ctx context.Context, a Actor, id uuid.UUID, reason string) (Disclosure, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Disclosure{}, fault.Field("reason", "撤回公示须写明理由，理由将向社会公开")
	}
	return s.changeDisclosure(ctx, a, id, func(tx pgx.Tx, d *Disclosure, now time.Time) (string, error) {
		if d.State == "withdrawn" {
			return "", fault.New(fault.Conflict, "该事项已撤回")
		}
		red := NewRedaction(nil)
		d.State, d.WithdrawReason = "withdrawn", red.Text(reason)
		if _, err := tx.Exec(ctx, `UPDATE disclosures SET state = 'withdrawn', withdrawn_at = $2, withdrawn_by = $3, withdraw_reason = $4 WHERE id = $1`,
			d.ID, now, a.UserID, d.WithdrawReason); err != nil {
			return "", DBError(err, "公示事项")
		}
		if err := enqueueWithdrawnTx(ctx, tx, d, now); err != nil {
			return "", err
		}
		return "撤回公示：" + d.WithdrawReason, nil
	})
}

// markWithdrawalTx notes that an outcome requires the item to come down within three
// working days.
func (s *Store) markWithdrawalTx(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, from Date, cause string) error {
	_, err := tx.Exec(ctx, `UPDATE disclosures SET withdraw_from = $2, withdraw_cause = $3
		WHERE case_id = $1 AND kind = 'decision' AND state <> 'withdrawn' AND withdraw_from IS NULL`, caseID, from, cause)
	return DBError(err, "公示事项")
}

// PublicDecision is a decision as the portal shows it: the redacted content while it is
// published, and only its state (and the reason, when withdrawn) afterwards.
type PublicDecision struct {
	ID             uuid.UUID          `json:"id"`
	Title          string             `json:"title"`
	Agency         string             `json:"agency"`
	AgencyID       uuid.UUID          `json:"agency_id"`
	State          string             `json:"state"` // published, withdrawn or expired
	PublishedAt    *time.Time         `json:"published_at"`
	DisplayUntil   *Date              `json:"display_until,omitempty"`
	Content        *DisclosureContent `json:"content,omitempty"`
	WithdrawnAt    *time.Time         `json:"withdrawn_at,omitempty"`
	WithdrawReason string             `json:"withdraw_reason,omitempty"`
}

// Public turns an item into what the portal may show.
func (d *Disclosure) Public() PublicDecision {
	p := PublicDecision{ID: d.ID, Title: d.Title, Agency: d.AgencyName, AgencyID: d.AgencyID, State: d.PublicState(),
		PublishedAt: d.PublishedAt}
	switch p.State {
	case "published":
		c := d.Content
		p.Content, p.DisplayUntil = &c, d.DisplayUntil
	case "withdrawn":
		p.WithdrawnAt, p.WithdrawReason = d.WithdrawnAt, d.WithdrawReason
	}
	return p
}

// PublicFilter is a search of the portal.
type PublicFilter struct {
	Kind     string // decision or inspection_result; empty for both
	AgencyID *uuid.UUID
	From, To *time.Time
	Q        string
	Page     Page
}

// PublicList is a page of the portal. Counting every match of a broad search over
// millions of items costs more than the page itself, so the count stops at PublicCountCap.
type PublicList struct {
	Items  []PublicDecision `json:"items"`
	Total  int              `json:"total"`
	Capped bool             `json:"total_capped"` // there are at least Total matches
}

// PublicCountCap is where the portal stops counting; deeper pages are not offered.
const PublicCountCap = 10_000

// PublicDecisions searches the decisions on display today, newest first.
func (s *Service) PublicDecisions(ctx context.Context, f PublicFilter) (PublicList, error) {
	var args []any
	where := []string{"d.state = 'published'", "d.display_until >= " + arg(&args, DateOf(s.Now()))}
	if f.Kind != "" {
		where = append(where, "d.kind = "+arg(&args, f.Kind))
	}
	if f.AgencyID != nil {
		where = append(where, "d.agency_id = "+arg(&args, *f.AgencyID))
	}
	if f.From != nil {
		where = append(where, "d.published_at >= "+arg(&args, *f.From))
	}
	if f.To != nil {
		where = append(where, "d.published_at < "+arg(&args, *f.To))
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		where = append(where, "d.search ILIKE "+arg(&args, "%"+likeEscape(q)+"%"))
	}
	if f.Page.Offset()+f.Page.Size > PublicCountCap {
		return PublicList{}, fault.Field("page", "最多显示前 %d 条结果，请缩小检索范围", PublicCountCap)
	}
	cond := strings.Join(where, " AND ")
	var out PublicList
	err := s.Store.db.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM disclosures d WHERE `+cond+` LIMIT `+
		strconv.Itoa(PublicCountCap+1)+`) t`, args...).Scan(&out.Total)
	if err != nil {
		return out, DBError(err, "公示事项")
	}
	if out.Total > PublicCountCap {
		out.Total, out.Capped = PublicCountCap, true
	}
	// A narrow search (few matches) is fastest found through the trigram index and then
	// sorted; a broad one by walking the newest first until the page is full. The count
	// just taken says which this is.
	from := "disclosures d"
	if out.Total < 2000 {
		from = "(SELECT * FROM disclosures d WHERE " + cond + " OFFSET 0) d"
	}
	rows, _ := s.Store.db.Query(ctx, `SELECT `+disclosureCols+` FROM `+from+` JOIN agencies a ON a.id = d.agency_id WHERE `+cond+
		` ORDER BY d.published_at DESC, d.id LIMIT `+strconv.Itoa(f.Page.Size)+` OFFSET `+strconv.Itoa(f.Page.Offset()), args...)
	items, err := pgx.CollectRows(rows, scanDisclosure)
	out.Items = make([]PublicDecision, len(items))
	for i := range items {
		out.Items[i] = items[i].Public()
	}
	return out, DBError(err, "公示事项")
}

// PublicDecision returns one item for the portal; an item never published is not found.
func (s *Service) PublicDecision(ctx context.Context, id uuid.UUID) (PublicDecision, error) {
	d, err := s.Store.FindDisclosure(ctx, id)
	if err != nil {
		return PublicDecision{}, err
	}
	if d.PublishedAt == nil {
		return PublicDecision{}, fault.New(fault.NotFound, "公示信息不存在")
	}
	if err := s.settleOne(ctx, &d); err != nil {
		return PublicDecision{}, err
	}
	return d.Public(), nil
}

// likeEscape keeps a search's % and _ literal.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// DisclosureStats is one agency's record of publishing on time.
type DisclosureStats struct {
	AgencyID   uuid.UUID `json:"agency_id"`
	AgencyName string    `json:"agency_name"`
	Due        int       `json:"due"`     // items whose deadline has passed or that were published
	OnTime     int       `json:"on_time"` // published by the deadline
	Late       int       `json:"late"`    // published after it
	Overdue    int       `json:"overdue"` // past the deadline and still not published
	Withdrawn  int       `json:"withdrawn"`
	Rate       float64   `json:"on_time_rate"` // on time / due; 1 when nothing was due
}

// DisclosureStats counts, per agency in the actor's scope, items published on time, late
// and overdue, deadlines counted on today's calendar. Lowest rate first.
func (s *Service) DisclosureStats(ctx context.Context, a Actor) ([]DisclosureStats, error) {
	if err := a.Require(RoleAdmin, RoleSupervisor); err != nil {
		return nil, err
	}
	cal, err := s.Store.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	l, err := s.Store.disclosureRows(ctx, DisclosureFilter{Scope: a.Scope()}, "", true)
	if err != nil {
		return nil, err
	}
	today := DateOf(s.Now())
	by := map[uuid.UUID]*DisclosureStats{}
	var order []uuid.UUID
	for i := range l.Items {
		d := &l.Items[i]
		d.Settle(cal, today)
		st := by[d.AgencyID]
		if st == nil {
			st = &DisclosureStats{AgencyID: d.AgencyID, AgencyName: d.AgencyName}
			by[d.AgencyID] = st
			order = append(order, d.AgencyID)
		}
		switch {
		case d.PublishedAt != nil:
			st.Due++
			if DateOf(*d.PublishedAt).After(d.DueAt) {
				st.Late++
			} else {
				st.OnTime++
			}
			if d.State == "withdrawn" {
				st.Withdrawn++
			}
		case d.Overdue:
			st.Due++
			st.Overdue++
		}
	}
	out := make([]DisclosureStats, 0, len(order))
	for _, id := range order {
		st := by[id]
		st.Rate = 1
		if st.Due > 0 {
			st.Rate = float64(st.OnTime) / float64(st.Due)
		}
		out = append(out, *st)
	}
	slices.SortStableFunc(out, func(x, y DisclosureStats) int {
		switch {
		case x.Rate < y.Rate:
			return -1
		case x.Rate > y.Rate:
			return 1
		}
		return strings.Compare(x.AgencyName, y.AgencyName)
	})
	return out, nil
}

// SetAutoPublish lets an administrator have an agency's decisions published the moment
// they are made.
func (s *Service) SetAutoPublish(ctx context.Context, a Actor, agencyID uuid.UUID, on bool) error {
	if err := a.Require(RoleAdmin); err != nil {
		return err
	}
	if _, err := s.FindAgency(ctx, a, agencyID); err != nil {
		return err
	}
	_, err := s.Store.db.Exec(ctx, `UPDATE agencies SET auto_publish = $2 WHERE id = $1`, agencyID, on)
	return DBError(err, "机构")
}
