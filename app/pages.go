package app

import (
	"crypto/subtle"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"zhifa/audit"
	"zhifa/enforcement"
	"zhifa/fault"
	"zhifa/inspection"
)

func (a *App) pageRoutes(srv *fiber.App) {
	login := []fiber.Handler{a.requireLogin}
	write := []fiber.Handler{a.requireLogin, a.recordWrites, a.idempotent}
	srv.Get("/login", a.loginPage)
	srv.Post("/login", a.loginSubmit)
	srv.Post("/logout", append(write, a.logoutSubmit)...)
	srv.Get("/offline", a.offlinePage)
	srv.Get("/", append(login, a.homePage)...)
	srv.Get("/agencies", append(login, a.agenciesPage)...)
	srv.Get("/officers", append(login, a.officersPage)...)
	srv.Get("/officers/:id", append(login, a.officerPage)...)
	srv.Get("/officers/:id/card", append(login, a.officerCardPage)...)
	srv.Post("/officers/:id", append(write, a.officerSubmit)...)
	srv.Get("/users", append(login, a.usersPage)...)
	srv.Post("/users", append(write, a.userSubmit)...)
	srv.Get("/calendar", append(login, a.calendarPage)...)
	srv.Get("/calendar/:year", append(login, a.calendarPage)...)
	srv.Post("/calendar/:year", append(write, a.calendarSubmit)...)
	srv.Get("/activity", append(login, a.activityPage)...)
	a.casePageRoutes(srv, login, write)
	a.documentPageRoutes(srv, login, write)
	a.documentKindPageRoutes(srv, login, write)
	a.exchangePageRoutes(srv, login, write)
	a.reviewPageRoutes(srv, login, write)
	a.disclosurePageRoutes(srv, login, write)
	a.agencyPublicPageRoutes(srv, login, write)
	a.inspectionPageRoutes(srv, login, write)
	a.auditPageRoutes(srv, login, write)
	a.reportPageRoutes(srv, login)
	a.statReturnPageRoutes(srv, login)
	a.supervisionPageRoutes(srv, login, write)
}

var templateFuncs = template.FuncMap{
	"dt": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(enforcement.Shanghai()).Format("2006-01-02 15:04")
	},
	// dts is dt to the second, where two clocks are set side by side.
	"dts": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(enforcement.Shanghai()).Format("2006-01-02 15:04:05")
	},
	"join": strings.Join,
	// has says whether a list of codes holds one (a checked box).
	"formatLabel": audit.FormatLabel,
	"deliveryState": func(s string) string {
		return map[string]string{"pending": "待推送", "failed": "重试中", "dead": "失败待处理", "sent": "已送达"}[s]
	},
	"has": func(list any, v string) bool {
		switch l := list.(type) {
		case []string:
			return slices.Contains(l, v)
		case []enforcement.State:
			return slices.Contains(l, enforcement.State(v))
		}
		return false
	},
	// clip shortens a text to n characters for a one-line choice.
	"clip": func(s string, n int) string {
		if utf8.RuneCountInString(s) <= n {
			return s
		}
		return string([]rune(s)[:n]) + "…"
	},
	// first is the first character of a name, for a photo placeholder.
	"first": func(s string) string { r, _ := utf8.DecodeRuneInString(s); return string(r) },
	// yuan prints an amount kept in fen.
	"yuan":          func(fen int64) string { return fmt.Sprintf("%d.%02d 元", fen/100, fen%100) },
	"deliveryLabel": enforcement.DeliveryLabel,
	// yuanNumber prints fen as a number of yuan for a form field.
	"yuanNumber": func(fen int64) string { return strconv.FormatFloat(float64(fen)/100, 'f', -1, 64) },
	// mediaKind is the family of a content type: image, video, audio or application.
	"mediaKind": func(ct string) string { k, _, _ := strings.Cut(ct, "/"); return k },
	// mediaLabel names a file's kind for people.
	"mediaLabel": func(ct string) string {
		k, _, _ := strings.Cut(ct, "/")
		switch k {
		case "image":
			return "图片"
		case "video":
			return "视频"
		case "audio":
			return "音频"
		}
		if ct == "application/pdf" {
			return "PDF 文件"
		}
		return "文件"
	},
	"add":  func(a, b int) int { return a + b },
	"mul":  func(a, b int) int { return a * b },
	"list": func(s ...string) []string { return s },
	// bar is the length of a chart bar for n of most, full length being width.
	"bar": func(n, most, width int) int {
		if most <= 0 {
			return 0
		}
		return n * width / most
	},
	"mul100": func(f float64) float64 { return f * 100 },
	"query":  url.QueryEscape,
	"percent": func(n, d int) string {
		if d == 0 {
			return "—"
		}
		return fmt.Sprintf("%.1f%%", float64(n)*100/float64(d))
	},
}

type navItem struct {
	Href, Label string
}

// nav lists the sections a role may open; later parts add their own.
func nav(a enforcement.Actor) []navItem {
	items := []navItem{{"/", "首页"}, {"/cases", "案件"}}
	if a.Has(enforcement.RoleAdmin) || a.Has(enforcement.RoleSupervisor) {
		items = append(items, navItem{"/agencies", "执法主体"})
	}
	if a.Has(enforcement.RoleReviewer) || a.Has(enforcement.RoleAdmin) || a.Has(enforcement.RoleSupervisor) {
		items = append(items, navItem{"/reviews", "法制审核"})
	}
	if a.Has(enforcement.RoleAdmin) || a.Has(enforcement.RoleSupervisor) || a.OfficerID != nil {
		items = append(items, navItem{"/disclosures", "公示"})
	}
	if a.Has(enforcement.RoleAdmin) || a.Has(enforcement.RoleSupervisor) {
		items = append(items, navItem{"/inspection", "双随机抽查"})
	}
	if a.OfficerID != nil {
		items = append(items, navItem{"/inspection/checks", "我的检查"})
	}
	if a.Has(enforcement.RoleHead) {
		items = append(items, navItem{"/inspection/requests", "检查审批"}, navItem{"/inspection/plans", "检查计划"}, navItem{"/inspection/joint", "联合检查"},
			navItem{"/inspection/ratings", "企业评价"})
	}
	if a.Has(enforcement.RoleAdmin) || a.Has(enforcement.RoleSupervisor) || a.Has(enforcement.RoleReviewer) {
		items = append(items, navItem{"/evaluations", "案卷评查"})
	}
	if a.Has(enforcement.RoleSupervisor) {
		items = append(items, navItem{"/supervision/clues", "监督线索"}, navItem{"/supervision/matters", "监督事项"}, navItem{"/supervision/alerts", "监督预警"},
			navItem{"/inspection/ratings", "企业评价"})
	} else if a.Has(enforcement.RoleHead) || a.Has(enforcement.RoleReviewer) {
		items = append(items, navItem{"/supervision/inbox", "监督来文"})
	}
	items = append(items, navItem{"/rectifications", "整改"})
	if a.Has(enforcement.RoleAdmin) || a.Has(enforcement.RoleSupervisor) {
		items = append(items, navItem{"/reports/annual", "年度统计"})
	}
	items = append(items, navItem{"/officers", "执法人员"})
	if a.Has(enforcement.RoleAdmin) || a.Has(enforcement.RoleSupervisor) {
		items = append(items, navItem{"/reviewers", "审核人员配备"}, navItem{"/users", "账号"}, navItem{"/activity", "操作日志"})
	}
	if a.Has(enforcement.RoleAdmin) {
		items = append(items, navItem{"/document-kinds", "文书格式"}, navItem{"/exchange", "数据交换"})
	}
	items = append(items, navItem{"/calendar", "工作日历"})
	return items
}

// view assembles what every page's layout needs: the user, navigation, the CSRF token
// for forms, and a flash message left by the previous request.
func (a *App) view(c *fiber.Ctx, title string, data fiber.Map) fiber.Map {
	if data == nil {
		data = fiber.Map{}
	}
	data["Title"] = title
	data["Path"] = c.Path()
	if l := current(c); l != nil {
		data["Me"] = l.Actor
		data["Nav"] = nav(l.Actor)
		data["CSRF"] = l.Session.CSRF
		data["Once"] = randomToken() // this rendering's forms: a second submission replays the first
		data["RoleLabels"] = roleLabels(l.Roles)
	}
	takeFlash(c, data)
	return data
}

// takeFlash puts the message the previous request left in data, once, and only on the
// page the action sent the browser to: any other page (another case, a refusal) drops
// it unseen.
func takeFlash(c *fiber.Ctx, data fiber.Map) {
	f := c.Cookies(flashCookie)
	if f == "" {
		return
	}
	if v, err := url.QueryUnescape(f); err == nil {
		if at, msg, ok := strings.Cut(v, "\n"); ok && at == c.Path() {
			data["Flash"] = enforcement.StripUnsafe(msg)
		}
	}
	c.Cookie(&fiber.Cookie{Name: flashCookie, Path: "/", Expires: time.Unix(0, 0), HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
}

// flashCookie carries a message to the page an action redirects to, with that page's path.
const flashCookie = "zhifa_flash"

func roleLabels(rs []enforcement.Role) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Label()
	}
	return strings.Join(out, "、")
}

// redirectFlash sends the browser on with a message for the page it lands on (to).
func redirectFlash(c *fiber.Ctx, to, msg string) error {
	setFlash(c, to, msg)
	return c.Redirect(to, fiber.StatusSeeOther)
}

// setFlash leaves a message for the page at to, and only for it.
func setFlash(c *fiber.Ctx, to, msg string) {
	at, _, _ := strings.Cut(to, "?")
	at, _, _ = strings.Cut(at, "#") // the page the browser asks for has no fragment
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: url.QueryEscape(at + "\n" + msg), Path: "/", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().Add(30 * time.Second)})
}

// formError re-renders a form with the error's message next to its field.
func formError(err error) (fiber.Map, bool) {
	if fault.KindOf(err) == fault.Invalid || fault.KindOf(err) == malformed || fault.KindOf(err) == fault.Conflict {
		fe, _, _ := classify(err)
		return fiber.Map{"Error": fe.Message, "ErrorField": fe.Field}, true
	}
	return nil, false
}

// offlinePage is what the service worker shows for a page it has not kept: the same for
// everyone, so it can be kept before anyone needs it.
func (a *App) offlinePage(c *fiber.Ctx) error {
	return c.Render("offline", a.view(c, "没有网络", nil))
}

// GET /login
func (a *App) loginPage(c *fiber.Ctx) error {
	token := randomToken()
	c.Cookie(&fiber.Cookie{Name: loginCSRFCookie, Value: token, Path: "/login", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteStrictMode, Secure: a.cfg.Env == "production"})
	return c.Render("login", a.view(c, "登录", fiber.Map{"LoginCSRF": token, "Next": safeNext(c.Query("next"))}))
}

// safeNext is the one rule for every redirect target a page takes from its visitor: a
// path on this site or "/". Anything else could leave the site (//host, /\host, a scheme,
// a tab or newline that a browser drops to make //host) or, copied into the Location
// header, add headers of its own (CR, LF). What passes is re-encoded from its parts, so
// the header holds only the path and query as parsed.
func safeNext(s string) string {
	if s == "" || len(s) > 2048 || s[0] != '/' || strings.HasPrefix(s, "//") || strings.ContainsRune(s, '\\') {
		return "/"
	}
	for _, r := range s {
		if r < 0x21 || r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) {
			return "/"
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") ||
		strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	out := u.EscapedPath()
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	if strings.ContainsAny(out, "\r\n\t\\") || strings.HasPrefix(out, "//") {
		return "/"
	}
	return out
}

// POST /login: a double-submit token guards the form, since there is no session yet.
func (a *App) loginSubmit(c *fiber.Ctx) error {
	ck := c.Cookies(loginCSRFCookie)
	if ck == "" || subtle.ConstantTimeCompare([]byte(ck), []byte(c.FormValue("_csrf"))) != 1 {
		return fault.New(fault.Forbidden, "登录页面已过期，请刷新后重试")
	}
	in := loginInput{Username: c.FormValue("username"), Password: c.FormValue("password")}
	err := in.validate()
	var token string
	if err == nil {
		_, token, err = a.signIn(c, in)
	}
	if err != nil {
		if k := fault.KindOf(err); k != fault.Invalid && k != fault.Unauthorized && k != fault.TooMany {
			return err
		}
		fe, status, _ := classify(err)
		setRetryAfter(c, fe)
		c.Status(status)
		return c.Render("login", a.view(c, "登录", fiber.Map{"LoginCSRF": ck, "Error": fe.Message, "Wait": waitText(fe.RetryAfter),
			"Username": in.Username, "Next": safeNext(c.FormValue("next"))}))
	}
	a.setSessionCookie(c, token)
	c.Cookie(&fiber.Cookie{Name: loginCSRFCookie, Path: "/login", Expires: time.Unix(0, 0), HTTPOnly: true})
	return c.Redirect(safeNext(c.FormValue("next")), fiber.StatusSeeOther)
}

// waitText says a refusal's wait as people say it: 14 分钟, 40 秒.
func waitText(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Minute:
		return fmt.Sprintf("%d 秒", int(math.Ceil(d.Seconds())))
	}
	return fmt.Sprintf("%d 分钟", int(math.Ceil(d.Minutes())))
}

// POST /logout
func (a *App) logoutSubmit(c *fiber.Ctx) error {
	l := current(c)
	if err := a.sessions.Delete(c.UserContext(), l.token, l.UserID); err != nil {
		return err
	}
	a.clearSessionCookie(c)
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// agendaHorizon is how far ahead, in working days, a home page lists what is due.
const agendaHorizon = 3

// GET /: each role's home page, a list of what to do: an officer's deadlines within three
// working days and reviews sent back, a reviewer's queue with the overdue first, a
// supervisor's overdue cases and disclosures and the agencies furthest behind. Counts
// and staffing figures are on the agencies page.
func (a *App) homePage(c *fiber.Ctx) error {
	ctx, act := c.UserContext(), actor(c)
	data := fiber.Map{}
	var err error
	if act.OfficerID != nil {
		o, err := a.enforcement.FindOfficer(ctx, act, *act.OfficerID)
		if err != nil {
			return err
		}
		data["Officer"] = o
		if data["Agenda"], err = a.enforcement.Agenda(ctx, act, agendaHorizon); err != nil {
			return err
		}
		if data["ChecksDue"], err = a.checksDue(c); err != nil {
			return err
		}
	}
	if act.Has(enforcement.RoleAdmin) {
		if data["CalendarGaps"], err = a.enforcement.CalendarGaps(ctx); err != nil {
			return err
		}
	}
	if act.Has(enforcement.RoleAdmin) || act.Has(enforcement.RoleSupervisor) {
		data["Region"] = true
		over, err := a.enforcement.OverdueCases(ctx, act)
		if err != nil {
			return err
		}
		data["OverdueCases"], data["OverdueShown"] = len(over), over[:min(len(over), 5)]
		st, err := a.enforcement.DisclosureStats(ctx, act) // lowest on-time rate first
		if err != nil {
			return err
		}
		var behind []enforcement.DisclosureStats
		for _, s := range st {
			if s.Overdue > 0 || s.Late > 0 {
				behind = append(behind, s)
			}
		}
		data["Behind"] = behind[:min(len(behind), 5)]
		if act.Has(enforcement.RoleSupervisor) {
			waiting, err := a.audit.Clues(ctx, act, audit.ClueFilter{State: "registered", Page: enforcement.Page{Number: 1, Size: 1}})
			if err != nil {
				return err
			}
			late, err := a.audit.Clues(ctx, act, audit.ClueFilter{Overdue: true, Page: enforcement.Page{Number: 1, Size: 1}})
			if err != nil {
				return err
			}
			data["CluesWaiting"], data["CluesLate"] = waiting.Total, late.Total
			// The alerts as last computed (every five minutes): the home page does not wait
			// for a computation; the alerts page does one.
			counts, err := a.audit.AlertCounts(ctx, act)
			if err != nil {
				return err
			}
			var shown []audit.AlertCount
			for _, n := range counts {
				if n.Notify && n.Open > 0 {
					shown = append(shown, n)
				}
			}
			data["Alerts"] = shown
		}
	}
	if act.Has(enforcement.RoleAdmin) || act.Has(enforcement.RoleSupervisor) || act.OfficerID != nil {
		l, err := a.enforcement.ListDisclosures(ctx, act, enforcement.DisclosureFilter{State: "overdue", Page: enforcement.Page{Number: 1, Size: 1}})
		if err != nil {
			return err
		}
		data["DisclosuresOverdue"] = l.Total
	}
	if act.Has(enforcement.RoleSupervisor) || act.Has(enforcement.RoleHead) || act.Has(enforcement.RoleReviewer) || act.OfficerID != nil {
		if data["Supervision"], err = a.audit.WaitingFor(ctx, act); err != nil {
			return err
		}
	}
	if act.Has(enforcement.RoleReviewer) && act.LegalQualified {
		// The whole pending queue is small (a county has tens at a time).
		l, err := a.enforcement.ListReviews(ctx, act, enforcement.ReviewPending, enforcement.Page{Number: 1, Size: 200})
		if err != nil {
			return err
		}
		queue := l.Items
		slices.SortStableFunc(queue, func(x, y enforcement.LegalReview) int {
			if x.Overdue != y.Overdue {
				if x.Overdue {
					return -1
				}
				return 1
			}
			return strings.Compare(x.DueOn.String(), y.DueOn.String())
		})
		overdue := 0
		for _, r := range queue {
			if r.Overdue {
				overdue++
			}
		}
		data["Pending"], data["PendingOverdue"], data["Queue"] = l.Total, overdue, queue[:min(len(queue), 10)]
	}
	return c.Render("home", a.view(c, "首页", data))
}

// checksDue lists the officer's checks whose task is due within the horizon, or late.
func (a *App) checksDue(c *fiber.Ctx) ([]inspection.Check, error) {
	ctx := c.UserContext()
	cal, err := a.enforcement.Store.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	limit := cal.AddWorkingDays(a.enforcement.Today(), agendaHorizon).String()
	l, err := a.inspection.Checks(ctx, actor(c), inspection.CheckFilter{Mine: true, State: "assigned", Page: enforcement.Page{Number: 1, Size: 200}})
	if err != nil {
		return nil, err
	}
	var out []inspection.Check
	for _, k := range l.Items {
		if k.DueDate != "" && k.DueDate <= limit {
			out = append(out, k)
		}
	}
	return out, nil
}

// GET /agencies
func (a *App) agenciesPage(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx, act := c.UserContext(), actor(c)
	l, err := a.enforcement.ListAgencies(ctx, act, enforcement.AgencyFilter{Q: c.Query("q"), Page: p})
	if err != nil {
		return err
	}
	// The region's counts and staffing live here, not on the home page's to-do list.
	counts, err := a.enforcement.Counts(ctx, act)
	if err != nil {
		return err
	}
	rs, err := a.enforcement.ReviewerRatios(ctx, act)
	if err != nil {
		return err
	}
	return c.Render("agencies", a.view(c, "执法主体", fiber.Map{"List": l, "Q": c.Query("q"), "Pager": pager(c, p, l.Total),
		"Counts": counts, "RatioBelow": enforcement.BelowCount(rs)}))
}

// GET /officers
func (a *App) officersPage(c *fiber.Ctx) error {
	f, err := a.officerFilter(c)
	if err != nil {
		return err
	}
	l, err := a.enforcement.ListOfficers(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.Render("officers", a.view(c, "执法人员", fiber.Map{"List": l, "Q": f.Q, "Status": string(f.Status),
		"Pager": pager(c, f.Page, l.Total)}))
}

// GET /officers/:id
func (a *App) officerPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	o, err := a.enforcement.FindOfficer(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.Render("officer", a.view(c, o.Name, fiber.Map{"Officer": o, "CanEdit": actor(c).Has(enforcement.RoleAdmin)}))
}

// POST /officers/:id: an administrator changes a certificate's status, validity or hours.
func (a *App) officerSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var p enforcement.OfficerPatch
	st := enforcement.OfficerStatus(c.FormValue("status"))
	p.Status = &st
	if s := c.FormValue("cert_valid_until"); s != "" {
		d, err := enforcement.ParseDate(s)
		if err != nil {
			return fault.Field("cert_valid_until", "有效期格式应为 YYYY-MM-DD")
		}
		p.CertValidUntil = &d
	}
	if s := c.FormValue("training_hours"); s != "" {
		h, err := strconv.Atoi(s)
		if err != nil {
			return fault.Field("training_hours", "培训学时应为整数")
		}
		p.TrainingHours = &h
	}
	o, err := a.enforcement.UpdateOfficer(c.UserContext(), actor(c), id, p)
	if data, ok := formError(err); ok {
		o, ferr := a.enforcement.FindOfficer(c.UserContext(), actor(c), id)
		if ferr != nil {
			return ferr
		}
		data["Officer"], data["CanEdit"] = o, true
		c.Status(fiber.StatusUnprocessableEntity)
		return c.Render("officer", a.view(c, o.Name, data))
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/officers/"+o.ID.String(), "已保存 "+o.Name+" 的执法证信息")
}

// GET /users
func (a *App) usersPage(c *fiber.Ctx) error {
	return a.renderUsers(c, fiber.Map{})
}

func (a *App) renderUsers(c *fiber.Ctx, data fiber.Map) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.enforcement.ListUsers(c.UserContext(), actor(c), enforcement.UserFilter{
		Q: c.Query("q"), Role: enforcement.Role(c.Query("role")), Page: p})
	if err != nil {
		return err
	}
	ags, err := a.enforcement.ListAgencies(c.UserContext(), actor(c), enforcement.AgencyFilter{Page: enforcement.Page{Number: 1, Size: 200}})
	if err != nil {
		return err
	}
	data["List"], data["Q"], data["Agencies"], data["Roles"] = l, c.Query("q"), ags.Items, enforcement.Roles
	data["Pager"] = pager(c, p, l.Total)
	data["CanCreate"] = actor(c).Has(enforcement.RoleAdmin)
	return c.Render("users", a.view(c, "账号管理", data))
}

// POST /users
func (a *App) userSubmit(c *fiber.Ctx) error {
	in := enforcement.UserInput{Username: c.FormValue("username"), Password: c.FormValue("password"),
		Name: c.FormValue("name"), LegalQualified: c.FormValue("legal_qualified") == "on"}
	for _, r := range c.Context().PostArgs().PeekMulti("roles") {
		in.Roles = append(in.Roles, enforcement.Role(r))
	}
	var err error
	if id := c.FormValue("agency_id"); id != "" {
		if in.AgencyID, err = parseUUIDField("agency_id", id); err != nil {
			return err
		}
	}
	if id := c.FormValue("officer_id"); id != "" {
		oid, err := parseUUIDField("officer_id", id)
		if err != nil {
			return err
		}
		in.OfficerID = &oid
	}
	u, err := a.enforcement.CreateUser(c.UserContext(), actor(c), in)
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		data["Form"] = in
		return a.renderUsers(c, data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/users", "已创建账号 "+u.Username)
}

// GET /calendar and /calendar/:year
func (a *App) calendarPage(c *fiber.Ctx) error {
	year := time.Now().In(enforcement.Shanghai()).Year()
	if c.Params("year") != "" {
		y, err := yearParam(c)
		if err != nil {
			return err
		}
		year = y
	}
	return a.renderCalendar(c, year, fiber.Map{})
}

func (a *App) renderCalendar(c *fiber.Ctx, year int, data fiber.Map) error {
	cal, err := a.enforcement.CalendarYear(c.UserContext(), year)
	if err != nil {
		return err
	}
	data["Cal"], data["Prev"], data["Next"] = cal, year-1, year+1
	data["CanEdit"] = actor(c).Has(enforcement.RoleAdmin)
	if _, ok := data["HolidaysText"]; !ok {
		data["HolidaysText"], data["WorkdaysText"] = daysText(cal.Holidays), daysText(cal.Workdays)
	}
	return c.Render("calendar", a.view(c, fmt.Sprintf("%d 年工作日历", year), data))
}

func daysText(days []enforcement.CalendarDay) string {
	var b strings.Builder
	for _, d := range days {
		fmt.Fprintf(&b, "%s %s\n", d.Date, d.Name)
	}
	return b.String()
}

// parseDaysText reads one "YYYY-MM-DD 名称" per line.
func parseDaysText(field, s string) ([]enforcement.CalendarDay, error) {
	var out []enforcement.CalendarDay
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		date, name, _ := strings.Cut(line, " ")
		d, err := enforcement.ParseDate(date)
		if err != nil {
			return nil, fault.Field(field, "第 %d 行“%s”的日期应为 YYYY-MM-DD", i+1, line)
		}
		out = append(out, enforcement.CalendarDay{Date: d, Name: strings.TrimSpace(name)})
	}
	return out, nil
}

// POST /calendar/:year
func (a *App) calendarSubmit(c *fiber.Ctx) error {
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	in := enforcement.CalendarYear{Year: year, Source: c.FormValue("source")}
	in.Holidays, err = parseDaysText("holidays", c.FormValue("holidays"))
	if err == nil {
		in.Workdays, err = parseDaysText("workdays", c.FormValue("workdays"))
	}
	if err == nil {
		_, err = a.enforcement.PutCalendarYear(c.UserContext(), actor(c), in)
	}
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		data["HolidaysText"], data["WorkdaysText"] = c.FormValue("holidays"), c.FormValue("workdays")
		return a.renderCalendar(c, year, data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, fmt.Sprintf("/calendar/%d", year), fmt.Sprintf("已保存 %d 年工作日历，相关期限已按新日历计算", year))
}

// GET /activity
func (a *App) activityPage(c *fiber.Ctx) error {
	f, err := a.activityFilter(c)
	if err != nil {
		return err
	}
	l, err := a.enforcement.ListActivity(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.Render("activity", a.view(c, "操作日志", fiber.Map{"List": l, "Q": f.Q, "Username": f.Username,
		"Pager": pager(c, f.Page, l.Total)}))
}

func parseUUIDField(field, s string) (uuid.UUID, error) {
	u, err := parseUUID(s)
	if err != nil {
		return uuid.Nil, fault.Field(field, "%s 不是有效的编号", field)
	}
	return u, nil
}

// pagerView is the previous/next links of a list page.
type pagerView struct {
	Page, Pages, Total int
	Prev, Next         string
}

func pager(c *fiber.Ctx, p enforcement.Page, total int) pagerView {
	pages := (total + p.Size - 1) / p.Size
	link := func(n int) string {
		q := c.Queries()
		v := url.Values{}
		for k, val := range q {
			v.Set(k, val)
		}
		v.Set("page", strconv.Itoa(n))
		return c.Path() + "?" + v.Encode()
	}
	pv := pagerView{Page: p.Number, Pages: pages, Total: total}
	if p.Number > 1 {
		pv.Prev = link(p.Number - 1)
	}
	if p.Number < pages {
		pv.Next = link(p.Number + 1)
	}
	return pv
}

// GET /officers/{id}/card — the certificate with its QR code, full screen on a phone and
// printable as a card.
func (a *App) officerCardPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	o, err := a.enforcement.FindOfficer(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.Render("officer_card", a.view(c, "执法证 · "+o.Name, fiber.Map{"Officer": o, "URL": a.certURL(o.CertNo)}))
}
