package app

import (
	"fmt"
	"html"
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhifa/audit"
	"zhifa/enforcement"
	"zhifa/fault"
)

func (a *App) reportRoutes(api fiber.Router) {
	api.Get("/reports/annual", a.annualReport)
	api.Get("/reports/annual/rows", a.annualReportRows)
}

func (a *App) reportPageRoutes(srv *fiber.App, login []fiber.Handler) {
	srv.Get("/reports/annual", append(login, a.annualReportPage)...)
	srv.Get("/reports/annual/rows", append(login, a.annualRowsPage)...)
}

// reportQuery reads ?year=&region_code=; the year defaults to the current one, whose
// figures stand as of today (the page links the year before).
func (a *App) reportQuery(c *fiber.Ctx) (int, string, error) {
	year := a.enforcement.Today().Year
	if s := c.Query("year"); s != "" {
		y, err := strconv.Atoi(s)
		if err != nil {
			return 0, "", fault.Field("year", "统计年度应为四位数字，如 2026")
		}
		year = y
	}
	return year, c.Query("region_code"), nil
}

func (a *App) loadReport(c *fiber.Ctx) (audit.Report, error) {
	year, region, err := a.reportQuery(c)
	if err != nil {
		return audit.Report{}, err
	}
	return a.audit.AnnualReport(c.UserContext(), actor(c), year, region)
}

// GET /api/v1/reports/annual?year=&region_code=&format=json|csv|xlsx|html
func (a *App) annualReport(c *fiber.Ctx) error {
	format := c.Query("format", "json")
	switch format {
	case "json", "csv", "xlsx", "html":
	default:
		return fault.Field("format", "格式应为 json、csv、xlsx 或 html")
	}
	r, err := a.loadReport(c)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("annual-report-%d-%s", r.Year, r.RegionCode)
	switch format {
	case "csv":
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.csv"`)
		return audit.WriteCSV(c.Response().BodyWriter(), &r)
	case "xlsx":
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.xlsx"`)
		return audit.WriteXLSX(c.Response().BodyWriter(), &r)
	case "html":
		return a.renderReport(c, &r)
	}
	return c.JSON(fiber.Map{"year": r.Year, "region_code": r.RegionCode, "as_of": r.AsOf, "generated_at": r.GeneratedAt,
		"figures": r.Map(), "sections": reportSections(&r)})
}

// reportSections is the figures with their labels and units, for clients that print them.
func reportSections(r *audit.Report) []fiber.Map {
	var out []fiber.Map
	for _, s := range r.Sections() {
		out = append(out, fiber.Map{"name": s.Name, "figures": s.Figures})
	}
	return out
}

// rowsQuery is a rows listing's request: the year, region, figure, category and page.
type rowsQuery struct {
	year                int
	region, figure, key string
	page                enforcement.Page
}

// loadRows lists the rows a figure counts, for the JSON and the page.
func (a *App) loadRows(c *fiber.Ctx) (rowsQuery, enforcement.List[audit.Row], error) {
	var q rowsQuery
	var err error
	if q.year, q.region, err = a.reportQuery(c); err != nil {
		return q, enforcement.List[audit.Row]{}, err
	}
	if q.page, err = pageOf(c); err != nil {
		return q, enforcement.List[audit.Row]{}, err
	}
	q.figure, q.key = c.Query("figure"), c.Query("key")
	l, err := a.audit.Rows(c.UserContext(), actor(c), q.year, q.region, q.figure, q.key, q.page)
	return q, l, err
}

// GET /api/v1/reports/annual/rows?year=&region_code=&figure=&key=
func (a *App) annualReportRows(c *fiber.Ctx) error {
	_, l, err := a.loadRows(c)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// reportView renders a report's figures as links to the rows they count.
type reportView struct {
	R    *audit.Report
	base string // the rows page's query without the figure
}

// N is a figure (or "figure.part") as a number linked to its rows.
func (v reportView) N(key string) template.HTML {
	fig, part, _ := strings.Cut(key, ".")
	href := v.base + "&figure=" + url.QueryEscape(fig)
	if part != "" {
		href += "&key=" + url.QueryEscape(part)
	}
	return template.HTML(`<a href="` + html.EscapeString(href) + `" data-figure="` + html.EscapeString(key) + `">` +
		strconv.FormatInt(v.R.Value(key), 10) + `</a>`)
}

// Wan is an amount in fen as 万元, linked to its rows.
func (v reportView) Wan(key string) template.HTML {
	return template.HTML(`<a href="` + html.EscapeString(v.base+"&figure="+url.QueryEscape(key)) + `" data-figure="` + html.EscapeString(key) + `">` +
		strconv.FormatFloat(float64(v.R.Value(key))/1e6, 'f', 2, 64) + `</a>`)
}

// Pct is a over b as a percentage.
func (v reportView) Pct(a, b string) string {
	d := v.R.Value(b)
	if d == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(v.R.Value(a))*100/float64(d), 'f', 1, 64) + "%"
}

// Sum is a + b.
func (v reportView) Sum(a, b string) int64 { return v.R.Value(a) + v.R.Value(b) }

// Share is a as a percentage of a + b: the on-time rate counts only items whose deadline
// has come (on time, late, or overdue), as the disclosure statistics page does.
func (v reportView) Share(a, b string) string {
	x, y := v.R.Value(a), v.R.Value(b)
	if x+y == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(x)*100/float64(x+y), 'f', 1, 64) + "%"
}

// Chart is a horizontal bar chart of a figure's categories, as inline SVG.
func (v reportView) Chart(key string) template.HTML {
	f := v.R.Figure(key)
	if len(f.Parts) == 0 {
		return ""
	}
	var most int64 = 1
	for _, p := range f.Parts {
		most = max(most, p.Value)
	}
	const rowH, labelW, barW = 26, 120, 380
	h := rowH * len(f.Parts)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" aria-label="%s" width="%d" height="%d" viewBox="0 0 %d %d">`,
		html.EscapeString(f.Label+"图"), labelW+barW+60, h, labelW+barW+60, h)
	for i, p := range f.Parts {
		y := i * rowH
		w := int(p.Value * barW / most)
		fmt.Fprintf(&b, `<text x="0" y="%d">%s</text><rect x="%d" y="%d" width="%d" height="16" fill="#2b6cb0"></rect><text x="%d" y="%d">%d</text>`,
			y+16, html.EscapeString(p.Label), labelW, y+3, w, labelW+w+6, y+16, p.Value)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func (a *App) renderReport(c *fiber.Ctx, r *audit.Report) error {
	base := fmt.Sprintf("/reports/annual/rows?year=%d&region_code=%s", r.Year, r.RegionCode)
	api := fmt.Sprintf("/api/v1/reports/annual?year=%d&region_code=%s", r.Year, r.RegionCode)
	return c.Render("report_annual", fiber.Map{"V": reportView{R: r, base: base}, "R": r, "API": api,
		"Years": []int{r.Year - 1, r.Year + 1}, "HasNext": r.Year < a.enforcement.Today().Year, "By": actor(c).Name}, "")
}

// GET /reports/annual?year=&region_code= — the printable report with charts.
func (a *App) annualReportPage(c *fiber.Ctx) error {
	r, err := a.loadReport(c)
	if err != nil {
		return err
	}
	return a.renderReport(c, &r)
}

// GET /reports/annual/rows?year=&region_code=&figure=&key= — what a figure counts.
func (a *App) annualRowsPage(c *fiber.Ctx) error {
	q, l, err := a.loadRows(c)
	if err != nil {
		return err
	}
	label, _ := audit.FigureLabel(q.figure, q.key)
	return c.Render("report_rows", a.view(c, fmt.Sprintf("%d 年度 · %s", q.year, label), fiber.Map{"List": l, "Year": q.year,
		"Region": q.region, "Label": label, "Pager": pager(c, q.page, l.Total)}))
}
