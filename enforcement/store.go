package enforcement

import (
	"context"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhifa/fault"
)

// Store keeps agencies, officers, users, the calendar and the activity log in PostgreSQL.
type Store struct {
	db       *pgxpool.Pool
	timeline Timeline
}

// NewStore returns a store over a pool.
func NewStore(db *pgxpool.Pool) *Store { return &Store{db: db} }

// scopeSQL renders a scope as a condition on an agency table alias, appending its
// argument to args.
func scopeSQL(s Scope, alias string, args *[]any) string {
	if s.Public {
		return "TRUE"
	}
	if s.RegionPrefix != "" {
		*args = append(*args, s.RegionPrefix+"%")
		return alias + ".region_code LIKE $" + strconv.Itoa(len(*args))
	}
	*args = append(*args, s.AgencyID)
	return alias + ".id = $" + strconv.Itoa(len(*args))
}

func arg(args *[]any, v any) string {
	*args = append(*args, v)
	return "$" + strconv.Itoa(len(*args))
}

// --- agencies ---

const agencyCols = `a.id, a.name, a.short_name, a.code, a.region_code, a.parent_id, a.kind, a.created_at, a.av_measures, a.phone, a.documents_from`

func scanAgency(row pgx.CollectableRow) (Agency, error) {
	var a Agency
	err := row.Scan(&a.ID, &a.Name, &a.ShortName, &a.Code, &a.RegionCode, &a.ParentID, &a.Kind, &a.CreatedAt, &a.AVMeasures, &a.Phone, &a.DocumentsFrom)
	return a, err
}

// CreateAgency inserts an agency.
func (s *Store) CreateAgency(ctx context.Context, in AgencyInput) (Agency, error) {
	rows, _ := s.db.Query(ctx, `INSERT INTO agencies AS a (name, short_name, code, region_code, parent_id, kind, phone)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+agencyCols,
		in.Name, in.ShortName, in.Code, in.RegionCode, in.ParentID, in.Kind, in.Phone)
	a, err := pgx.CollectExactlyOneRow(rows, scanAgency)
	return a, DBError(err, "机构")
}

// FindAgency returns one agency.
func (s *Store) FindAgency(ctx context.Context, id uuid.UUID) (Agency, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+agencyCols+` FROM agencies a WHERE a.id = $1`, id)
	a, err := pgx.CollectExactlyOneRow(rows, scanAgency)
	return a, DBError(err, "机构")
}

// SetAgencyPhone changes an agency's public number.
func (s *Store) SetAgencyPhone(ctx context.Context, id uuid.UUID, phone string) (Agency, error) {
	rows, _ := s.db.Query(ctx, `UPDATE agencies a SET phone = $2 WHERE a.id = $1 RETURNING `+agencyCols, id, phone)
	a, err := pgx.CollectExactlyOneRow(rows, scanAgency)
	return a, DBError(err, "机构")
}

// SetDocumentsFrom changes the day from which an agency's cases need their documents.
func (s *Store) SetDocumentsFrom(ctx context.Context, id uuid.UUID, from *Date) (Agency, error) {
	rows, _ := s.db.Query(ctx, `UPDATE agencies a SET documents_from = $2 WHERE a.id = $1 RETURNING `+agencyCols, id, from)
	a, err := pgx.CollectExactlyOneRow(rows, scanAgency)
	return a, DBError(err, "机构")
}

// contactCandidates loads the agencies a certificate's contact is chosen from: the
// holder's own, and the justice bureaus that publish a number (a few per province).
func (s *Store) contactCandidates(ctx context.Context, agencyID *uuid.UUID) ([]Agency, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+agencyCols+` FROM agencies a
		WHERE a.id = $1 OR (a.kind = 'justice' AND a.phone <> '') ORDER BY a.region_code, a.name`, agencyID)
	as, err := pgx.CollectRows(rows, scanAgency)
	return as, DBError(err, "机构")
}

// AgencyFilter narrows a list of agencies.
type AgencyFilter struct {
	Scope Scope
	Q     string
	Kind  AgencyKind
	Page  Page
}

// ListAgencies lists agencies in a scope, ordered by region and name.
func (s *Store) ListAgencies(ctx context.Context, f AgencyFilter) (List[Agency], error) {
	var args []any
	where := []string{scopeSQL(f.Scope, "a", &args)}
	if f.Q != "" {
		p := arg(&args, "%"+f.Q+"%")
		where = append(where, "(a.name ILIKE "+p+" OR a.code ILIKE "+p+")")
	}
	if f.Kind != "" {
		where = append(where, "a.kind = "+arg(&args, f.Kind))
	}
	return ListPage(ctx, s.db, Query{
		Select: agencyCols, From: "agencies a", Where: where,
		Order: "a.region_code, a.kind = 'township', a.name", Args: args,
	}, f.Page, scanAgency)
}

// Query is a list query in parts, so that ListPage can count and fetch it in one trip.
type Query struct {
	Select string
	From   string
	Where  []string
	Order  string
	Args   []any
}

// Arg adds a value to the query and returns its placeholder.
func (q *Query) Arg(v any) string { return arg(&q.Args, v) }

// And adds a condition whose every ? stands for v.
func (q *Query) And(cond string, v any) {
	q.Where = append(q.Where, strings.ReplaceAll(cond, "?", q.Arg(v)))
}

// ListPage counts the rows a query matches and fetches one page of them, both in one
// round trip to the database.
func ListPage[T any](ctx context.Context, db *pgxpool.Pool, q Query, p Page,
	scan func(pgx.CollectableRow) (T, error)) (List[T], error) {
	where := ""
	if len(q.Where) > 0 {
		where = " WHERE " + strings.Join(q.Where, " AND ")
	}
	args := append([]any(nil), q.Args...)
	page := "SELECT " + q.Select + " FROM " + q.From + where + " ORDER BY " + q.Order +
		" LIMIT " + arg(&args, p.Size) + " OFFSET " + arg(&args, p.Offset())
	b := &pgx.Batch{}
	var out List[T]
	b.Queue("SELECT count(*) FROM "+q.From+where, q.Args...).QueryRow(func(row pgx.Row) error {
		return row.Scan(&out.Total)
	})
	b.Queue(page, args...).Query(func(rows pgx.Rows) error {
		items, err := pgx.CollectRows(rows, scan)
		out.Items = items
		return err
	})
	if err := db.SendBatch(ctx, b).Close(); err != nil {
		return List[T]{}, DBError(err, "记录")
	}
	if out.Items == nil {
		out.Items = []T{}
	}
	return out, nil
}

// --- officers ---

const officerCols = `o.id, o.agency_id, a.name, o.name, o.cert_no, o.fields, o.cert_valid_until, o.status,
	o.training_hours, o.created_at, o.updated_at`

func scanOfficer(row pgx.CollectableRow) (Officer, error) {
	var o Officer
	err := row.Scan(&o.ID, &o.AgencyID, &o.AgencyName, &o.Name, &o.CertNo, &o.Fields, &o.CertValidUntil,
		&o.Status, &o.TrainingHours, &o.CreatedAt, &o.UpdatedAt)
	return o, err
}

// CreateOfficer inserts an officer.
func (s *Store) CreateOfficer(ctx context.Context, in OfficerInput) (Officer, error) {
	var id uuid.UUID
	err := s.db.QueryRow(ctx, `INSERT INTO officers (agency_id, name, cert_no, fields, cert_valid_until, status, training_hours)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		in.AgencyID, in.Name, in.CertNo, in.Fields, in.CertValidUntil, in.Status, in.TrainingHours).Scan(&id)
	if err != nil {
		return Officer{}, DBError(err, "执法证号")
	}
	return s.FindOfficer(ctx, id)
}

// FindOfficer returns one officer.
func (s *Store) FindOfficer(ctx context.Context, id uuid.UUID) (Officer, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+officerCols+` FROM officers o JOIN agencies a ON a.id = o.agency_id WHERE o.id = $1`, id)
	o, err := pgx.CollectExactlyOneRow(rows, scanOfficer)
	return o, DBError(err, "执法人员")
}

// FindOfficerByCert returns the officer holding a certificate number.
func (s *Store) FindOfficerByCert(ctx context.Context, certNo string) (Officer, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+officerCols+` FROM officers o JOIN agencies a ON a.id = o.agency_id WHERE o.cert_no = $1`, certNo)
	o, err := pgx.CollectExactlyOneRow(rows, scanOfficer)
	return o, DBError(err, "执法证")
}

// OfficerFilter narrows a list of officers.
type OfficerFilter struct {
	Scope    Scope
	AgencyID *uuid.UUID
	Q        string
	// Status filters by effective status as of Today, so "expired" finds lapsed cards.
	Status OfficerStatus
	Today  Date
	Page   Page
}

// ListOfficers lists officers in a scope, by agency and name.
func (s *Store) ListOfficers(ctx context.Context, f OfficerFilter) (List[Officer], error) {
	var args []any
	where := []string{scopeSQL(f.Scope, "a", &args)}
	if f.AgencyID != nil {
		where = append(where, "o.agency_id = "+arg(&args, *f.AgencyID))
	}
	if f.Q != "" {
		p := arg(&args, "%"+f.Q+"%")
		where = append(where, "(o.name ILIKE "+p+" OR o.cert_no ILIKE "+p+")")
	}
	switch f.Status {
	case OfficerExpired:
		where = append(where, "o.status = 'active' AND o.cert_valid_until < "+arg(&args, f.Today))
	case OfficerActive:
		where = append(where, "o.status = 'active' AND o.cert_valid_until >= "+arg(&args, f.Today))
	case OfficerSuspended, OfficerRevoked:
		where = append(where, "o.status = "+arg(&args, f.Status))
	}
	return ListPage(ctx, s.db, Query{
		Select: officerCols, From: "officers o JOIN agencies a ON a.id = o.agency_id", Where: where,
		Order: "a.name, o.name, o.cert_no", Args: args,
	}, f.Page, scanOfficer)
}

// UpdateOfficer reads an officer under a row lock, lets fn change it, and writes it back,
// all in one transaction.
func (s *Store) UpdateOfficer(ctx context.Context, id uuid.UUID, fn func(*Officer) error) (Officer, error) {
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT `+officerCols+` FROM officers o JOIN agencies a ON a.id = o.agency_id
			WHERE o.id = $1 FOR UPDATE OF o`, id)
		o, err := pgx.CollectExactlyOneRow(rows, scanOfficer)
		if err != nil {
			return err
		}
		if err := fn(&o); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE officers SET name = $2, fields = $3, cert_valid_until = $4, status = $5,
			training_hours = $6, updated_at = now() WHERE id = $1`,
			id, o.Name, o.Fields, o.CertValidUntil, o.Status, o.TrainingHours)
		return err
	})
	if err != nil {
		return Officer{}, DBError(err, "执法人员")
	}
	return s.FindOfficer(ctx, id)
}

// OfficerCounts are the figures a home page shows for a scope.
type OfficerCounts struct {
	Agencies  int `json:"agencies"`
	Officers  int `json:"officers"`
	Valid     int `json:"valid"`
	Expired   int `json:"expired"`
	Suspended int `json:"suspended"`
	Reviewers int `json:"reviewers"`
}

// CountOfficers counts agencies, officers by certificate state, and qualified reviewers in a scope.
func (s *Store) CountOfficers(ctx context.Context, sc Scope, today Date) (OfficerCounts, error) {
	var args []any
	cond := scopeSQL(sc, "a", &args)
	t := arg(&args, today)
	var c OfficerCounts
	err := s.db.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM agencies a WHERE `+cond+`),
		count(o.id),
		count(o.id) FILTER (WHERE o.status = 'active' AND o.cert_valid_until >= `+t+`),
		count(o.id) FILTER (WHERE o.status = 'active' AND o.cert_valid_until < `+t+`),
		count(o.id) FILTER (WHERE o.status <> 'active'),
		(SELECT count(*) FROM users u JOIN agencies a ON a.id = u.agency_id
			WHERE `+cond+` AND 'reviewer' = ANY (u.roles) AND u.disabled_at IS NULL)
		FROM officers o JOIN agencies a ON a.id = o.agency_id WHERE `+cond, args...).
		Scan(&c.Agencies, &c.Officers, &c.Valid, &c.Expired, &c.Suspended, &c.Reviewers)
	return c, DBError(err, "统计")
}

// --- users ---

const userCols = `u.id, u.username, u.name, u.roles, u.agency_id, u.officer_id, u.legal_qualified,
	u.disabled_at IS NOT NULL, u.created_at, u.password_hash`

func scanUser(row pgx.CollectableRow) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Username, &u.Name, &u.Roles, &u.AgencyID, &u.OfficerID, &u.LegalQualified,
		&u.Disabled, &u.CreatedAt, &u.PasswordHash)
	return u, err
}

// CreateUser inserts a user whose password is already hashed.
func (s *Store) CreateUser(ctx context.Context, in UserInput, hash string) (User, error) {
	rows, _ := s.db.Query(ctx, `INSERT INTO users AS u (username, password_hash, name, roles, agency_id, officer_id, legal_qualified)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+userCols,
		in.Username, hash, in.Name, in.Roles, in.AgencyID, in.OfficerID, in.LegalQualified)
	u, err := pgx.CollectExactlyOneRow(rows, scanUser)
	return u, DBError(err, "用户名或执法人员账号")
}

// FindUser returns a user by ID.
func (s *Store) FindUser(ctx context.Context, id uuid.UUID) (User, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = $1`, id)
	u, err := pgx.CollectExactlyOneRow(rows, scanUser)
	return u, DBError(err, "用户")
}

// FindUserByUsername returns a user by login name.
func (s *Store) FindUserByUsername(ctx context.Context, username string) (User, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+userCols+` FROM users u WHERE u.username = lower($1)`, username)
	u, err := pgx.CollectExactlyOneRow(rows, scanUser)
	return u, DBError(err, "用户")
}

// FindActor loads everything a request needs to know about its signed-in user.
func (s *Store) FindActor(ctx context.Context, userID uuid.UUID) (Actor, error) {
	var a Actor
	var disabled bool
	err := s.db.QueryRow(ctx, `SELECT u.id, u.username, u.name, u.roles, u.agency_id, a.name, a.region_code, a.kind,
		u.officer_id, u.legal_qualified, u.disabled_at IS NOT NULL
		FROM users u JOIN agencies a ON a.id = u.agency_id WHERE u.id = $1`, userID).
		Scan(&a.UserID, &a.Username, &a.Name, &a.Roles, &a.AgencyID, &a.AgencyName, &a.RegionCode, &a.AgencyKind,
			&a.OfficerID, &a.LegalQualified, &disabled)
	if err != nil {
		return Actor{}, DBError(err, "用户")
	}
	if disabled {
		return Actor{}, fault.New(fault.Unauthorized, "账号已停用")
	}
	return a, nil
}

// UserFilter narrows a list of users.
type UserFilter struct {
	Scope Scope
	Role  Role
	Q     string
	Page  Page
}

// ListUsers lists users in a scope.
func (s *Store) ListUsers(ctx context.Context, f UserFilter) (List[User], error) {
	var args []any
	where := []string{scopeSQL(f.Scope, "a", &args)}
	if f.Role != "" {
		where = append(where, arg(&args, string(f.Role))+" = ANY (u.roles)")
	}
	if f.Q != "" {
		p := arg(&args, "%"+f.Q+"%")
		where = append(where, "(u.username ILIKE "+p+" OR u.name ILIKE "+p+")")
	}
	return ListPage(ctx, s.db, Query{
		Select: userCols, From: "users u JOIN agencies a ON a.id = u.agency_id", Where: where,
		Order: "u.username", Args: args,
	}, f.Page, scanUser)
}

// --- calendar ---

// Calendar loads every holiday and make-up workday; the table holds a few dozen rows a
// year, so deadlines are always computed from the current data.
func (s *Store) Calendar(ctx context.Context) (*Calendar, error) {
	rows, _ := s.db.Query(ctx, `SELECT day, kind, name FROM calendar_days`)
	days, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CalendarDay, error) {
		var d CalendarDay
		err := r.Scan(&d.Date, &d.Kind, &d.Name)
		return d, err
	})
	if err != nil {
		return nil, DBError(err, "工作日历")
	}
	return NewCalendar(days), nil
}

// CalendarYearsMissing returns those of years whose calendar has not been entered.
func (s *Store) CalendarYearsMissing(ctx context.Context, years []int) ([]int, error) {
	rows, _ := s.db.Query(ctx, `SELECT y FROM unnest($1::int[]) AS t(y)
		WHERE NOT EXISTS (SELECT 1 FROM calendar_years c WHERE c.year = t.y) ORDER BY y`, years)
	out, err := pgx.CollectRows(rows, pgx.RowTo[int])
	return out, DBError(err, "工作日历")
}

// CalendarYear returns one year's holidays and make-up workdays.
func (s *Store) CalendarYear(ctx context.Context, year int) (CalendarYear, error) {
	y := CalendarYear{Year: year, Holidays: []CalendarDay{}, Workdays: []CalendarDay{}}
	err := s.db.QueryRow(ctx, `SELECT source FROM calendar_years WHERE year = $1`, year).Scan(&y.Source)
	if err != nil && err != pgx.ErrNoRows {
		return y, DBError(err, "工作日历")
	}
	rows, _ := s.db.Query(ctx, `SELECT day, kind, name FROM calendar_days
		WHERE day >= make_date($1, 1, 1) AND day < make_date($1 + 1, 1, 1) ORDER BY day`, year)
	days, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CalendarDay, error) {
		var d CalendarDay
		err := r.Scan(&d.Date, &d.Kind, &d.Name)
		return d, err
	})
	if err != nil {
		return y, DBError(err, "工作日历")
	}
	for _, d := range days {
		if d.Kind == Holiday {
			y.Holidays = append(y.Holidays, d)
		} else {
			y.Workdays = append(y.Workdays, d)
		}
	}
	return y, nil
}

// PutCalendarYear replaces one year's exceptions in one transaction.
func (s *Store) PutCalendarYear(ctx context.Context, y CalendarYear, by uuid.UUID) error {
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM calendar_days WHERE day >= make_date($1, 1, 1) AND day < make_date($1 + 1, 1, 1)`, y.Year); err != nil {
			return err
		}
		rows := [][]any{}
		for _, d := range y.Days() {
			rows = append(rows, []any{d.Date, string(d.Kind), d.Name})
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"calendar_days"}, []string{"day", "kind", "name"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO calendar_years (year, source, updated_at, updated_by) VALUES ($1, $2, now(), $3)
			ON CONFLICT (year) DO UPDATE SET source = EXCLUDED.source, updated_at = now(), updated_by = EXCLUDED.updated_by`,
			y.Year, y.Source, by)
		return err
	})
	return DBError(err, "工作日历")
}

// --- activity ---

// AddActivity appends one entry to the activity log.
func (s *Store) AddActivity(ctx context.Context, a Activity) error {
	_, err := s.db.Exec(ctx, `INSERT INTO activity (user_id, username, agency_id, method, path, route, status, ip, request_id, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		a.UserID, a.Username, a.AgencyID, a.Method, a.Path, a.Route, a.Status, a.IP, a.RequestID, a.UserAgent)
	return DBError(err, "操作日志")
}

// ListActivity searches the activity log within a scope, newest first. Entries without
// an agency (failed logins) are visible to region-wide scopes only.
func (s *Store) ListActivity(ctx context.Context, f ActivityFilter) (List[Activity], error) {
	var args []any
	scope := scopeSQL(f.Scope, "a", &args)
	if f.Scope.RegionPrefix != "" {
		scope += " OR l.agency_id IS NULL"
	}
	where := []string{"(" + scope + ")"}
	if f.UserID != nil {
		where = append(where, "l.user_id = "+arg(&args, *f.UserID))
	}
	if f.Username != "" {
		where = append(where, "l.username = "+arg(&args, strings.ToLower(f.Username)))
	}
	if f.From != nil {
		where = append(where, "l.at >= "+arg(&args, *f.From))
	}
	if f.To != nil {
		where = append(where, "l.at < "+arg(&args, *f.To))
	}
	if f.Q != "" {
		p := arg(&args, "%"+f.Q+"%")
		where = append(where, "(l.path ILIKE "+p+" OR l.route ILIKE "+p+" OR l.ip ILIKE "+p+" OR l.request_id = "+arg(&args, f.Q)+")")
	}
	return ListPage(ctx, s.db, Query{
		Select: `l.id, l.at, l.user_id, l.username, l.agency_id, l.method, l.path, l.route, l.status, l.ip, l.request_id, l.user_agent`,
		From:   "activity l LEFT JOIN agencies a ON a.id = l.agency_id", Where: where, Order: "l.id DESC", Args: args,
	}, f.Page, func(r pgx.CollectableRow) (Activity, error) {
		var a Activity
		err := r.Scan(&a.ID, &a.At, &a.UserID, &a.Username, &a.AgencyID, &a.Method, &a.Path, &a.Route, &a.Status,
			&a.IP, &a.RequestID, &a.UserAgent)
		return a, err
	})
}

// Ping checks that PostgreSQL answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// SetAVMeasures replaces an agency's own list of measures needing an audio-video record.
func (s *Store) SetAVMeasures(ctx context.Context, id uuid.UUID, codes []string) error {
	_, err := s.db.Exec(ctx, `UPDATE agencies SET av_measures = $2 WHERE id = $1`, id, codes)
	return DBError(err, "机构")
}

// UpdateUserFlags changes an account's qualification and whether it is disabled.
func (s *Store) UpdateUserFlags(ctx context.Context, id uuid.UUID, qualified, disabled bool) (User, error) {
	rows, _ := s.db.Query(ctx, `UPDATE users AS u SET legal_qualified = $2,
		disabled_at = CASE WHEN $3 THEN COALESCE(disabled_at, now()) END WHERE id = $1 RETURNING `+userCols, id, qualified, disabled)
	u, err := pgx.CollectExactlyOneRow(rows, scanUser)
	return u, DBError(err, "用户")
}
