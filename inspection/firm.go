package inspection

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// The firm's view: a firm that holds any code of its own checks sees its checks of the
// year against each agency's cap, and rates each finished check once with that check's
// code. The checked department sees only aggregates; supervisors read the comments.

// FirmCheck is one visit as the firm sees it: a joint check is one visit.
type FirmCheck struct {
	Agencies   string           `json:"agencies"`
	Title      string           `json:"title"`
	Matters    string           `json:"matters"`
	From       enforcement.Date `json:"from"`
	To         enforcement.Date `json:"to"`
	ScannedAt  *time.Time       `json:"scanned_at"`
	State      string           `json:"state"`
	StateLabel string           `json:"state_label"`
	Result     string           `json:"result,omitempty"`
	Rated      bool             `json:"rated"` // whether the firm rated it (never how: the code's holders include its officers)
}

// FirmCap is one agency's checks of the firm this year against its plan's cap.
type FirmCap struct {
	Agency string `json:"agency"`
	Checks int    `json:"checks"`
	Cap    *int   `json:"cap"` // nil: the agency has no accepted plan for the year
}

// AtCap says whether the agency may check the firm again this year only on an exempt ground.
func (c FirmCap) AtCap() bool { return c.Cap != nil && c.Checks >= *c.Cap }

// FirmView is a firm's year of checks.
type FirmView struct {
	Firm     string      `json:"firm"`
	FirmName string      `json:"firm_name"`
	Year     int         `json:"year"`
	Checks   []FirmCheck `json:"checks"`
	Caps     []FirmCap   `json:"caps"`
}

// InspectorAgencies is, in SQL, the names of the agencies whose officers do a check
// (aliased c), joined with 、: a drawn or joint check has several.
const InspectorAgencies = `(SELECT string_agg(DISTINCT a2.name, '、') FROM officers o JOIN agencies a2 ON a2.id = o.agency_id WHERE o.id = ANY(c.inspector_ids))`

// errNotTheFirms refuses a code that does not prove the caller is the firm.
func errNotTheFirms() error {
	return fault.New(fault.Forbidden, "检查码无效，或不是贵企业今年仍然有效的检查码：请输入贵企业今年受检时扫描的检查码（检查码网址中 /public/checks/ 之后的部分）")
}

// codeClaims verifies a code's signature alone: whether its check still stands is
// another question, asked by whoever needs it.
func (s *Service) codeClaims(code string) (CodeClaims, error) {
	if s.CodeKey == nil {
		return CodeClaims{}, fault.New(fault.Unavailable, "检查码签名密钥未配置")
	}
	return VerifyCode(s.CodeKey.Public().(ed25519.PublicKey), code)
}

// FirmChecks is the firm's view of the year, for whoever holds a code of one of its
// checks. Only checks whose code was shown are listed: a check not yet announced stays
// unannounced.
func (s *Service) FirmChecks(ctx context.Context, firm, code string) (FirmView, error) {
	firm = strings.ToUpper(strings.TrimSpace(firm))
	cl, err := s.codeClaims(strings.TrimSpace(code))
	if err != nil {
		if fault.KindOf(err) == fault.Unavailable {
			return FirmView{}, err
		}
		return FirmView{}, errNotTheFirms()
	}
	if cl.Firm != firm {
		return FirmView{}, errNotTheFirms()
	}
	today := s.Cases.Today()
	// A code of this year's check that still stands: an old or superseded code, kept or
	// leaked, opens nothing.
	var standing bool
	if err := s.Store.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inspection_checks WHERE id = $1 AND target_code = $2
		AND state IN ('assigned', 'done') AND code_issued_at IS NOT NULL AND extract(year FROM drawn_on) = $3)`, cl.CheckID, firm, today.Year).Scan(&standing); err != nil {
		return FirmView{}, enforcement.DBError(err, "检查")
	}
	if !standing {
		return FirmView{}, errNotTheFirms()
	}
	v := FirmView{Firm: firm, Year: today.Year, Checks: []FirmCheck{}, Caps: []FirmCap{}}
	if err := s.Store.db.QueryRow(ctx, `SELECT coalesce((SELECT name FROM inspection_targets WHERE code = $1), '')`, firm).Scan(&v.FirmName); err != nil {
		return v, enforcement.DBError(err, "检查对象")
	}
	rows, _ := s.Store.db.Query(ctx, `SELECT `+checkCols+`, r.check_id IS NOT NULL,
			ARRAY(SELECT DISTINCT o.agency_id FROM officers o WHERE o.id = ANY(c.inspector_ids)),
			`+InspectorAgencies+`
		FROM `+checkFrom+` LEFT JOIN inspection_ratings r ON r.check_id = c.id
		WHERE c.target_code = $1 AND c.code_issued_at IS NOT NULL AND c.drawn_on BETWEEN make_date($2, 1, 1) AND make_date($2, 12, 31)
		AND c.state IN ('assigned', 'done') ORDER BY c.drawn_on DESC, c.code_issued_at DESC`, firm, v.Year)
	counts := map[uuid.UUID]int{}
	var order []uuid.UUID
	_, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (struct{}, error) {
		var rated bool
		var agencies []uuid.UUID
		var names string
		c, err := scanCheck(prefixed{row, nil, []any{&rated, &agencies, &names}})
		if err != nil {
			return struct{}{}, err
		}
		due, _ := enforcement.ParseDate(c.DueDate)
		v.Checks = append(v.Checks, FirmCheck{Agencies: names, Title: c.Title(), Matters: c.Matters, From: c.DrawnOn, To: due,
			ScannedAt: c.ScannedAt, State: c.State, StateLabel: c.StateLabel(), Result: c.ResultLabel, Rated: rated})
		for _, ag := range agencies {
			if counts[ag] == 0 {
				order = append(order, ag)
			}
			counts[ag]++
		}
		return struct{}{}, nil
	})
	if err != nil {
		return v, enforcement.DBError(err, "检查")
	}
	type capRow struct {
		ID   uuid.UUID
		Name string
		Cap  *int
	}
	rows, _ = s.Store.db.Query(ctx, `SELECT ag.id, ag.name, p.yearly_cap FROM agencies ag
		LEFT JOIN inspection_plans p ON p.agency_id = ag.id AND p.year = $2 AND p.state = 'accepted' WHERE ag.id = ANY($1)`, order, v.Year)
	caps, err := pgx.CollectRows(rows, pgx.RowToStructByPos[capRow])
	if err != nil {
		return v, enforcement.DBError(err, "检查计划")
	}
	for _, id := range order {
		i := slices.IndexFunc(caps, func(c capRow) bool { return c.ID == id })
		if i >= 0 {
			v.Caps = append(v.Caps, FirmCap{Agency: caps[i].Name, Checks: counts[id], Cap: caps[i].Cap})
		}
	}
	return v, nil
}

// RatingInput is a firm's rating of one finished check.
type RatingInput struct {
	Stars   int    `json:"stars"`
	Comment string `json:"comment"`
}

// Rating is a stored rating.
type Rating struct {
	Stars   int       `json:"stars"`
	Comment string    `json:"comment"`
	RatedAt time.Time `json:"rated_at"`
}

// RateCheck records the rating of the check a code belongs to: once, after its result
// is entered, by the firm, which proves it with the key its phone was given at the scan
// (the check's officers hold the code too, and must not rate in the firm's place).
func (s *Service) RateCheck(ctx context.Context, code, firmKey string, in RatingInput) (Rating, error) {
	in.Comment = strings.TrimSpace(in.Comment)
	switch {
	case in.Stars < 1 || in.Stars > 5:
		return Rating{}, fault.Field("stars", "请选择 1 到 5 星的评价")
	case utf8.RuneCountInString(in.Comment) > 500:
		return Rating{}, fault.Field("comment", "评价意见不超过 500 字")
	}
	cl, err := s.codeClaims(code)
	if err != nil {
		if fault.KindOf(err) == fault.Unavailable {
			return Rating{}, err
		}
		return Rating{}, fault.New(fault.Forbidden, "此检查码不是本平台签发的，或已被改动，不能评价")
	}
	var state string
	var keyHash []byte
	if err := s.Store.db.QueryRow(ctx, `SELECT state, firm_key_hash FROM inspection_checks WHERE id = $1`, cl.CheckID).Scan(&state, &keyHash); err != nil {
		if err == pgx.ErrNoRows {
			return Rating{}, fault.New(fault.Forbidden, "此检查码不是本平台签发的，或已被改动，不能评价")
		}
		return Rating{}, enforcement.DBError(err, "检查")
	}
	sum := sha256.Sum256([]byte(firmKey))
	switch {
	case state == "merged":
		return Rating{}, fault.New(fault.Conflict, "这次检查已并入联合检查，请用联合检查的检查码评价")
	case keyHash == nil:
		return Rating{}, fault.New(fault.Forbidden, "企业没有扫码入企的检查不能评价")
	case firmKey == "" || subtle.ConstantTimeCompare(sum[:], keyHash) != 1:
		return Rating{}, fault.New(fault.Forbidden, "只有扫码入企的企业可以评价：请用扫码时使用的手机打开检查码评价")
	case state != "done":
		return Rating{}, fault.New(fault.Conflict, "检查结束、执法人员录入检查结果后才能评价")
	}
	r := Rating{Stars: in.Stars, Comment: in.Comment, RatedAt: s.Cases.Now().UTC().Truncate(time.Microsecond)}
	tag, err := s.Store.db.Exec(ctx, `INSERT INTO inspection_ratings (check_id, stars, comment, rated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (check_id) DO NOTHING`, cl.CheckID, r.Stars, r.Comment, r.RatedAt)
	if err != nil {
		return Rating{}, enforcement.DBError(err, "评价")
	}
	if tag.RowsAffected() != 1 {
		// The same rating sent again (back and submit) is the rating given, not an error.
		var given Rating
		if err := s.Store.db.QueryRow(ctx, `SELECT stars, comment, rated_at FROM inspection_ratings WHERE check_id = $1`, cl.CheckID).
			Scan(&given.Stars, &given.Comment, &given.RatedAt); err == nil && given.Stars == r.Stars && given.Comment == r.Comment {
			return given, nil
		}
		return Rating{}, fault.New(fault.Conflict, "这次检查已经评价过，每次检查只能评价一次")
	}
	return r, nil
}

// RatedAt is when the verified check was rated, if it was: public pages say only that,
// never the stars or the comment, which the check's officers (who hold its code) must not
// read.
func (s *Service) RatedAt(ctx context.Context, p PublicCheck) (*time.Time, error) {
	var at time.Time
	err := s.Store.db.QueryRow(ctx, `SELECT rated_at FROM inspection_ratings WHERE check_id = $1`, p.checkID).Scan(&at)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, enforcement.DBError(err, "评价")
	}
	return &at, nil
}

// Done says whether the verified check is finished (its result entered), so it may be rated.
func (p PublicCheck) Done() bool { return p.Result != "" }

// RatingSummary is an agency's ratings of a year, as the agency sees them: counts only.
type RatingSummary struct {
	AgencyID   uuid.UUID `json:"agency_id"`
	AgencyName string    `json:"agency_name"`
	Count      int       `json:"count"`
	Mean       float64   `json:"mean"`
	ByStars    [5]int    `json:"by_stars"` // 1 star first
	Low        int       `json:"low"`      // 1–2 stars
	// Few: fewer than MinRatingsShown ratings, so the department sees the count alone:
	// with one or two, the stars would say who rated.
	Few bool `json:"few,omitempty"`
}

// MinRatingsShown is how many ratings an agency needs before it sees their mean and spread.
const MinRatingsShown = 5

// RatedCheck is one rating with its check, as supervisors read it.
type RatedCheck struct {
	CheckID    uuid.UUID  `json:"check_id"`
	Title      string     `json:"title"`
	Agencies   string     `json:"agencies"`
	Stars      int        `json:"stars"`
	Comment    string     `json:"comment"`
	RatedAt    time.Time  `json:"rated_at"`
	ClueID     *uuid.UUID `json:"clue_id"`
	ClueNumber string     `json:"clue_number,omitempty"`
}

// Ratings is a year's ratings: every agency's summary the actor may see (its own; the
// region's for supervisors) and, for supervisors only, the ratings with their comments,
// lowest first.
type Ratings struct {
	Year      int                           `json:"year"`
	Summaries []RatingSummary               `json:"summaries"`
	Comments  *enforcement.List[RatedCheck] `json:"ratings,omitempty"`
}

// ratedAgencies is each rating with each agency whose officers did the check.
const ratedAgencies = `inspection_ratings r JOIN inspection_checks c ON c.id = r.check_id
	JOIN LATERAL (SELECT DISTINCT o.agency_id FROM officers o WHERE o.id = ANY(c.inspector_ids)) oa ON true
	JOIN agencies ag ON ag.id = oa.agency_id`

// RatingsOf lists the year's ratings as the actor may see them.
func (s *Service) RatingsOf(ctx context.Context, a enforcement.Actor, year int, low bool, pg enforcement.Page) (Ratings, error) {
	out := Ratings{Year: year, Summaries: []RatingSummary{}}
	supervises := a.Has(enforcement.RoleSupervisor)
	if !supervises && !a.Has(enforcement.RoleHead) && !a.Has(enforcement.RoleAdmin) {
		return out, fault.New(fault.Forbidden, "只有本单位负责人、管理员或执法监督人员可以查看企业评价")
	}
	scope, arg := "ag.id = $2", any(a.AgencyID)
	if supervises {
		scope, arg = "ag.region_code LIKE $2 || '%'", enforcement.RegionPrefix(a.RegionCode)
	}
	rows, _ := s.Store.db.Query(ctx, `SELECT ag.id, ag.name, count(*), avg(r.stars)::float8,
			count(*) FILTER (WHERE r.stars = 1), count(*) FILTER (WHERE r.stars = 2), count(*) FILTER (WHERE r.stars = 3),
			count(*) FILTER (WHERE r.stars = 4), count(*) FILTER (WHERE r.stars = 5)
		FROM `+ratedAgencies+` WHERE extract(year FROM r.rated_at AT TIME ZONE 'Asia/Shanghai') = $1 AND `+scope+`
		GROUP BY ag.id, ag.name ORDER BY ag.name`, year, arg)
	var err error
	out.Summaries, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (RatingSummary, error) {
		var r RatingSummary
		err := row.Scan(&r.AgencyID, &r.AgencyName, &r.Count, &r.Mean, &r.ByStars[0], &r.ByStars[1], &r.ByStars[2], &r.ByStars[3], &r.ByStars[4])
		r.Low = r.ByStars[0] + r.ByStars[1]
		if !supervises && r.Count < MinRatingsShown {
			r.Few, r.Mean, r.ByStars, r.Low = true, 0, [5]int{}, 0
		}
		return r, err
	})
	if err != nil || !supervises {
		return out, enforcement.DBError(err, "评价")
	}
	q := enforcement.Query{
		Select: `c.id, CASE c.origin WHEN 'joint' THEN '联合检查（综合查一次）' WHEN 'draw' THEN coalesce(t.name, '双随机抽查') ELSE '计划外检查' END,
			` + InspectorAgencies + `,
			r.stars, r.comment, r.rated_at, r.clue_id, coalesce(cl.number, '')`,
		From: `inspection_ratings r JOIN inspection_checks c ON c.id = r.check_id LEFT JOIN inspection_tasks t ON t.id = c.task_id
			LEFT JOIN agencies ag ON ag.id = c.agency_id LEFT JOIN supervision_clues cl ON cl.id = r.clue_id`,
		Order: "r.stars, r.rated_at DESC"}
	q.And("extract(year FROM r.rated_at AT TIME ZONE 'Asia/Shanghai') = ?", year)
	q.And("coalesce(t.region_code, ag.region_code, c.region_code) LIKE ? || '%'", enforcement.RegionPrefix(a.RegionCode))
	if low {
		q.Where = append(q.Where, "r.stars <= 2")
	}
	l, err := enforcement.ListPage(ctx, s.Store.db, q, pg, pgx.RowToStructByPos[RatedCheck])
	if err != nil {
		return out, err
	}
	out.Comments = &l
	return out, nil
}
