package app

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"zhifa/audit"
	"zhifa/enforcement"
	"zhifa/fault"
)

// The statistical return (行政执法统计年报): the API and page for supervisors, with each
// number linked to the rows it counts, and the portal's copy of every finished year.

func (a *App) statReturnRoutes(api fiber.Router) {
	api.Get("/reports/statistical-return", a.statReturnJSON)
	api.Get("/reports/statistical-return/rows", a.statReturnRowsJSON)
}

func (a *App) statReturnPageRoutes(srv *fiber.App, login []fiber.Handler) {
	srv.Get("/reports/statistical-return", append(login, a.statReturnPage)...)
	srv.Get("/reports/statistical-return/rows", append(login, a.statReturnRowsPage)...)
}

func (a *App) statReturnPublicRoutes(pub fiber.Router) {
	pub.Get("/api/statistical-return", a.publicStatReturnJSON) // not cached: the cache keeps JSON only, and this also answers workbooks
	pub.Get("/statistical-return", a.publicStatReturnPage)
}

// returnFormat reads ?format=json|xlsx.
func returnFormat(c *fiber.Ctx) (string, error) {
	switch f := c.Query("format", "json"); f {
	case "json", "xlsx":
		return f, nil
	}
	return "", fault.Field("format", "格式应为 json 或 xlsx")
}

// sendReturn answers with the return as JSON or as the workbook.
func sendReturn(c *fiber.Ctx, r *audit.StatReturn, format string) error {
	if format == "xlsx" {
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="statistical-return-%d-%s.xlsx"`, r.Year, r.RegionCode))
		return audit.WriteReturnXLSX(c.Response().BodyWriter(), r)
	}
	return c.JSON(r)
}

// GET /api/v1/reports/statistical-return?year=&region_code=&format=json|xlsx
func (a *App) statReturnJSON(c *fiber.Ctx) error {
	format, err := returnFormat(c)
	if err != nil {
		return err
	}
	year, region, err := a.reportQuery(c)
	if err != nil {
		return err
	}
	r, err := a.audit.StatisticalReturn(c.UserContext(), actor(c), year, region)
	if err != nil {
		return err
	}
	return sendReturn(c, &r, format)
}

// returnRowsQuery is a cell's rows: the year, region, table, column and agency (none for
// the region's total).
type returnRowsQuery struct {
	year                  int
	region, table, column string
	agency                *uuid.UUID
	agencyName            string
}

func (a *App) loadReturnRows(c *fiber.Ctx) (returnRowsQuery, enforcement.List[audit.Row], enforcement.Page, error) {
	var q returnRowsQuery
	var l enforcement.List[audit.Row]
	var err error
	if q.year, q.region, err = a.reportQuery(c); err != nil {
		return q, l, enforcement.Page{}, err
	}
	page, err := pageOf(c)
	if err != nil {
		return q, l, page, err
	}
	if s := c.Query("agency_id"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return q, l, page, fault.Field("agency_id", "执法主体编号格式不正确")
		}
		q.agency = &id
	}
	q.table, q.column = c.Query("table"), c.Query("column")
	l, q.agencyName, err = a.audit.ReturnRows(c.UserContext(), actor(c), q.year, q.region, q.agency, q.table, q.column, page)
	return q, l, page, err
}

// GET /api/v1/reports/statistical-return/rows?year=&region_code=&table=&column=&agency_id=
func (a *App) statReturnRowsJSON(c *fiber.Ctx) error {
	_, l, _, err := a.loadReturnRows(c)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// headCell is a header cell of a return table.
type headCell struct {
	Label            string
	Colspan, Rowspan int
}

// returnCell is a number of a return table, linked to its rows when Href is set.
type returnCell struct{ Text, Href, Key string }

type returnRowView struct {
	Agency string
	Cells  []returnCell
}

type returnTableView struct {
	Key, Title string
	N          int
	Head       [2][]headCell
	Rows       []returnRowView
	Total      returnRowView
	Notes      []string
}

// returnView lays the return out as the page prints it; base, when set, is the rows
// page's query without the table, column and agency.
func returnView(r *audit.StatReturn, base string) []returnTableView {
	var out []returnTableView
	for t, tb := range r.Tables {
		v := returnTableView{Key: tb.Key, Title: tb.Title, N: t + 1, Notes: tb.Notes}
		v.Head[0] = append(v.Head[0], headCell{Label: "单位名称", Colspan: 1, Rowspan: 2})
		for i := 0; i < len(tb.Columns); {
			col := tb.Columns[i]
			if col.Group == "" {
				v.Head[0] = append(v.Head[0], headCell{Label: audit.ColumnHeader(col), Colspan: 1, Rowspan: 2})
				i++
				continue
			}
			j := i
			for j < len(tb.Columns) && tb.Columns[j].Group == col.Group {
				v.Head[1] = append(v.Head[1], headCell{Label: audit.ColumnHeader(tb.Columns[j]), Colspan: 1, Rowspan: 1})
				j++
			}
			v.Head[0] = append(v.Head[0], headCell{Label: col.Group, Colspan: j - i, Rowspan: 1})
			i = j
		}
		cells := func(vals []int64, agency string) []returnCell {
			out := make([]returnCell, len(vals))
			for j, n := range vals {
				col := tb.Columns[j]
				text := strconv.FormatInt(n, 10)
				if col.Unit == "分" {
					text = audit.Wan(n)
				}
				out[j] = returnCell{Text: text, Key: tb.Key + "." + col.Key}
				if base != "" {
					out[j].Href = base + "&table=" + url.QueryEscape(tb.Key) + "&column=" + url.QueryEscape(col.Key)
					if agency != "" {
						out[j].Href += "&agency_id=" + agency
					}
				}
			}
			return out
		}
		for _, row := range tb.Rows {
			v.Rows = append(v.Rows, returnRowView{Agency: row.Agency, Cells: cells(row.Values, row.AgencyID.String())})
		}
		v.Total = returnRowView{Agency: "合计", Cells: cells(tb.Total, "")}
		out = append(out, v)
	}
	return out
}

// GET /reports/statistical-return?year=&region_code=
func (a *App) statReturnPage(c *fiber.Ctx) error {
	year, region, err := a.reportQuery(c)
	if err != nil {
		return err
	}
	r, err := a.audit.StatisticalReturn(c.UserContext(), actor(c), year, region)
	if err != nil {
		return err
	}
	q := fmt.Sprintf("year=%d&region_code=%s", r.Year, r.RegionCode)
	return c.Render("statistical_return", a.view(c, fmt.Sprintf("%d 年度行政执法统计年报", r.Year), fiber.Map{"R": r,
		"Tables": returnView(&r, "/reports/statistical-return/rows?"+q), "API": "/api/v1/reports/statistical-return?" + q,
		"Prev": r.Year - 1, "Next": r.Year + 1, "HasNext": r.Year < a.enforcement.Today().Year, "Self": "/reports/statistical-return"}))
}

// GET /reports/statistical-return/rows?year=&region_code=&table=&column=&agency_id=
func (a *App) statReturnRowsPage(c *fiber.Ctx) error {
	q, l, page, err := a.loadReturnRows(c)
	if err != nil {
		return err
	}
	label, _ := audit.ReturnColumnLabel(q.table, q.column)
	if q.agency != nil {
		label = q.agencyName + " · " + label
	}
	back := fmt.Sprintf("/reports/statistical-return?year=%d", q.year)
	if q.region != "" {
		back += "&region_code=" + url.QueryEscape(q.region)
	}
	return c.Render("report_rows", a.view(c, fmt.Sprintf("%d 年度 · %s", q.year, label), fiber.Map{"List": l, "Year": q.year,
		"Label": label, "Back": back + "#t-" + url.QueryEscape(q.table), "BackLabel": "返回统计年报", "Pager": pager(c, page, l.Total)}))
}

// publicReturn is the finished year the portal asks for: last year unless named.
func (a *App) publicReturn(c *fiber.Ctx) (audit.StatReturn, error) {
	year := a.enforcement.Today().Year - 1
	if s := c.Query("year"); s != "" {
		y, err := strconv.Atoi(s)
		if err != nil {
			return audit.StatReturn{}, fault.Field("year", "统计年度应为四位数字，如 2025")
		}
		year = y
	}
	return a.audit.PublicStatisticalReturn(c.UserContext(), year, c.Query("region_code"))
}

// GET /public/api/statistical-return?year=&region_code=&format=json|xlsx
func (a *App) publicStatReturnJSON(c *fiber.Ctx) error {
	format, err := returnFormat(c)
	if err != nil {
		return err
	}
	r, err := a.publicReturn(c)
	if err != nil {
		return err
	}
	return sendReturn(c, &r, format)
}

// GET /public/statistical-return?year=&region_code= — a finished year's return on the portal.
func (a *App) publicStatReturnPage(c *fiber.Ctx) error {
	r, err := a.publicReturn(c)
	if err != nil {
		return err
	}
	q := fmt.Sprintf("year=%d&region_code=%s", r.Year, r.RegionCode)
	return c.Render("statistical_return", a.publicView(c, fmt.Sprintf("%d 年度行政执法统计年报", r.Year), fiber.Map{"R": r,
		"Tables": returnView(&r, ""), "API": "/public/api/statistical-return?" + q, "Prev": r.Year - 1, "Next": r.Year + 1,
		"HasNext": r.Year+1 < a.enforcement.Today().Year, "Self": "/public/statistical-return"}))
}
