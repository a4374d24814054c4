package app

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"zhifa/audit"
	"zhifa/enforcement"
	"zhifa/fault"
)

// Data exchange (audit/EXCHANGE.md): destinations, the outbox with its dead letters, and
// the 双公示 file.

func (a *App) exchangeRoutes(api fiber.Router) {
	api.Get("/exchange/destinations", a.listDestinations)
	api.Post("/exchange/destinations", a.createDestination)
	api.Get("/exchange/destinations/:id", a.getDestination)
	api.Patch("/exchange/destinations/:id", a.patchDestination)
	api.Get("/exchange/outbox", a.listOutbox)
	api.Post("/exchange/outbox/retry-dead", a.retryDeadOutbox)
	api.Post("/exchange/outbox/:id/retry", a.retryOutbox)
	api.Get("/exchange/dual-disclosure", a.dualDisclosure)
}

// GET /api/v1/exchange/destinations
func (a *App) listDestinations(c *fiber.Ctx) error {
	ds, err := a.audit.Destinations(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(enforcement.List[audit.Destination]{Items: ds, Total: len(ds)})
}

// POST /api/v1/exchange/destinations
func (a *App) createDestination(c *fiber.Ctx) error {
	var in audit.DestinationInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	d, err := a.audit.CreateDestination(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

// GET /api/v1/exchange/destinations/{id}
func (a *App) getDestination(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.audit.Destination(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// PATCH /api/v1/exchange/destinations/{id}
func (a *App) patchDestination(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in audit.DestinationInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	d, err := a.audit.UpdateDestination(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func outboxFilter(c *fiber.Ctx) (audit.OutboxFilter, error) {
	p, err := pageOf(c)
	if err != nil {
		return audit.OutboxFilter{}, err
	}
	f := audit.OutboxFilter{State: c.Query("state"), Page: p}
	if f.DestinationID, err = uuidQuery(c, "destination_id"); err != nil {
		return f, err
	}
	f.SubjectID, err = uuidQuery(c, "subject_id")
	return f, err
}

// GET /api/v1/exchange/outbox?state=pending|sent|failed|dead&destination_id=&subject_id=
func (a *App) listOutbox(c *fiber.Ctx) error {
	f, err := outboxFilter(c)
	if err != nil {
		return err
	}
	l, err := a.audit.Outbox(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// POST /api/v1/exchange/outbox/{id}/retry
func (a *App) retryOutbox(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.audit.RetryDelivery(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// POST /api/v1/exchange/outbox/retry-dead[?destination_id=]
func (a *App) retryDeadOutbox(c *fiber.Ctx) error {
	dest, err := optionalDestination(c.Query("destination_id"))
	if err != nil {
		return err
	}
	n, err := a.audit.RetryDead(c.UserContext(), actor(c), dest)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"requeued": n})
}

// optionalDestination reads a destination's ID, when one is given.
func optionalDestination(v string) (*uuid.UUID, error) {
	if v == "" {
		return nil, nil
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return nil, fault.Field("destination_id", "接收方编号格式不正确")
	}
	return &id, nil
}

// dualQuery reads the period and agency of a 双公示 file; the period defaults to this
// year so far.
func dualQuery(c *fiber.Ctx, today enforcement.Date) (from, to enforcement.Date, agency *uuid.UUID, err error) {
	from, to = enforcement.Date{Year: today.Year, Month: 1, Day: 1}, today
	for _, q := range []struct {
		name string
		to   *enforcement.Date
	}{{"from", &from}, {"to", &to}} {
		if v := strings.TrimSpace(c.Query(q.name)); v != "" {
			if *q.to, err = enforcement.ParseDate(v); err != nil {
				return from, to, nil, fault.Field(q.name, "日期格式应为 YYYY-MM-DD")
			}
		}
	}
	agency, err = uuidQuery(c, "agency_id")
	return from, to, agency, err
}

// GET /api/v1/exchange/dual-disclosure?from=&to=&agency_id=&format=json|csv|xlsx&kind=penalty|license
func (a *App) dualDisclosure(c *fiber.Ctx) error {
	format, kind := c.Query("format", "json"), c.Query("kind", "penalty")
	switch {
	case format != "json" && format != "csv" && format != "xlsx":
		return fault.Field("format", "格式应为 json、csv 或 xlsx")
	case kind != "penalty" && kind != "license":
		return fault.Field("kind", "类别应为 penalty（行政处罚）或 license（行政许可）")
	}
	from, to, agency, err := dualQuery(c, enforcement.DateOf(a.enforcement.Now()))
	if err != nil {
		return err
	}
	x, err := a.audit.DualDisclosure(c.UserContext(), actor(c), from, to, agency)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("dual-disclosure-%s-%s", from, to)
	switch format {
	case "csv":
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+"-"+kind+`.csv"`)
		return audit.WriteDualCSV(c.Response().BodyWriter(), x, kind)
	case "xlsx":
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.xlsx"`)
		return audit.WriteDualXLSX(c.Response().BodyWriter(), x)
	}
	return c.JSON(x)
}

// --- pages ---

func (a *App) exchangePageRoutes(srv *fiber.App, login, write []fiber.Handler) {
	srv.Get("/exchange", append(login, a.exchangePage)...)
	srv.Get("/exchange/destinations/new", append(login, a.destinationNewPage)...)
	srv.Get("/exchange/destinations/:id", append(login, a.destinationPage)...)
	srv.Post("/exchange/destinations", append(write, a.destinationCreateSubmit)...)
	srv.Post("/exchange/destinations/:id", append(write, a.destinationUpdateSubmit)...)
	srv.Get("/exchange/outbox", append(login, a.outboxPage)...)
	srv.Get("/exchange/dual-disclosure", append(login, a.dualDisclosurePage)...)
	srv.Post("/exchange/outbox/retry-dead", append(write, a.retryDeadSubmit)...)
	srv.Post("/exchange/outbox/:id/retry", append(write, a.retrySubmit)...)
}

type formatOption struct{ Code, Label string }

func destinationFormatOptions() []formatOption {
	return []formatOption{{"credit", audit.FormatLabel("credit")}, {"regulatory", audit.FormatLabel("regulatory")}, {"zhifa", audit.FormatLabel("zhifa")}}
}

// GET /exchange — the destinations and how their sending stands, and the 双公示 file.
func (a *App) exchangePage(c *fiber.Ctx) error {
	ds, err := a.audit.Destinations(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	today := enforcement.DateOf(a.enforcement.Now())
	return c.Render("exchange", a.view(c, "数据交换", fiber.Map{"Destinations": ds, "From": enforcement.Date{Year: today.Year, Month: 1, Day: 1}.String(),
		"To": today.String(), "Format": "xlsx", "Formats": dualFormats}))
}

var dualFormats = []formatOption{{"xlsx", "Excel 工作簿"}, {"csv-penalty", "CSV（行政处罚）"}, {"csv-license", "CSV（行政许可）"}}

// GET /exchange/dual-disclosure?from=&to=&format= — the file, or the exchange page again
// with the error at the top of its form and what was chosen kept.
func (a *App) dualDisclosurePage(c *fiber.Ctx) error {
	format := c.Query("format", "xlsx")
	from, to, agency, err := dualQuery(c, enforcement.DateOf(a.enforcement.Now()))
	var x audit.DualExport
	if err == nil {
		switch format {
		case "xlsx", "csv-penalty", "csv-license":
		default:
			err = fault.Field("format", "请选择文件格式")
		}
	}
	if err == nil {
		x, err = a.audit.DualDisclosure(c.UserContext(), actor(c), from, to, agency)
	}
	if data, ok := formError(err); ok {
		ds, derr := a.audit.Destinations(c.UserContext(), actor(c))
		if derr != nil {
			return derr
		}
		data["Destinations"], data["From"], data["To"], data["Format"], data["Formats"] = ds, c.Query("from"), c.Query("to"), format, dualFormats
		return c.Status(fiber.StatusUnprocessableEntity).Render("exchange", a.view(c, "数据交换", data))
	}
	if err != nil {
		return err
	}
	name := fmt.Sprintf("dual-disclosure-%s-%s", from, to)
	if kind, ok := strings.CutPrefix(format, "csv-"); ok {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+"-"+kind+`.csv"`)
		return audit.WriteDualCSV(c.Response().BodyWriter(), x, kind)
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.xlsx"`)
	return audit.WriteDualXLSX(c.Response().BodyWriter(), x)
}

// GET /exchange/destinations/new
func (a *App) destinationNewPage(c *fiber.Ctx) error {
	if err := actor(c).Require(enforcement.RoleAdmin); err != nil {
		return err
	}
	return a.renderDestination(c, audit.Destination{Format: "credit", Auth: "hmac", Rate: 50}, fiber.Map{"New": true})
}

func (a *App) renderDestination(c *fiber.Ctx, d audit.Destination, data fiber.Map) error {
	data["Dest"], data["Formats"], data["RateTyped"] = d, destinationFormatOptions(), c.FormValue("rate")
	if _, typed := data["FieldNamesText"]; !typed {
		data["FieldNamesText"] = fieldNamesText(d.Format, d.FieldNames)
	}
	data["FieldsOf"] = map[string][]string{"credit": audit.FieldsOf("credit"), "regulatory": audit.FieldsOf("regulatory")}
	title := "新增接收方"
	if data["New"] == nil {
		title = d.Name
	}
	return c.Render("exchange_destination", a.view(c, title+" · 数据交换", data))
}

// GET /exchange/destinations/{id}
func (a *App) destinationPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.audit.Destination(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return a.renderDestination(c, d, fiber.Map{})
}

// destinationForm reads the form; an empty secret keeps the one set. A rate that is not a
// number is refused by the rate's own check, which names the field; the page shows it as
// typed (RateTyped).
func destinationForm(c *fiber.Ctx) (audit.DestinationInput, audit.Destination) {
	val := func(k string) *string { v := c.FormValue(k); return &v }
	in := audit.DestinationInput{Name: val("name"), URL: val("url"), Auth: val("auth"), KeyID: val("key_id"), Secret: val("secret"),
		TLSCertFile: val("tls_cert_file"), TLSKeyFile: val("tls_key_file"), TLSCAFile: val("tls_ca_file")}
	if f := c.FormValue("format"); f != "" {
		in.Format = &f
	}
	shown := audit.Destination{Name: *in.Name, URL: *in.URL, Auth: *in.Auth, KeyID: *in.KeyID, TLSCertFile: *in.TLSCertFile,
		TLSKeyFile: *in.TLSKeyFile, TLSCAFile: *in.TLSCAFile}
	if in.Format != nil {
		shown.Format = *in.Format
	}
	rate, err := strconv.Atoi(strings.TrimSpace(c.FormValue("rate")))
	if err != nil {
		rate = -1
	}
	in.Rate, shown.Rate = &rate, rate
	paused := c.FormValue("paused") == "on"
	in.Paused, shown.Paused = &paused, paused
	return in, shown
}

// fieldNamesForm reads the field names' mapping, one "zhifa's name=the destination's"
// a line; a line it cannot read is an error naming it.
func fieldNamesForm(text string) (map[string]string, error) {
	names := map[string]string{}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(strings.ReplaceAll(line, "＝", "="))
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fault.Field("field_names", "字段名称对照第 %d 行应写作“平台字段名=接收方字段名”", i+1)
		}
		names[k] = v
	}
	return names, nil
}

// fieldNamesText writes a mapping as the form shows it, in the format's field order.
func fieldNamesText(format string, names map[string]string) string {
	var b strings.Builder
	for _, f := range audit.FieldsOf(format) {
		if v, ok := names[f]; ok {
			b.WriteString(f + "=" + v + "\n")
		}
	}
	return b.String()
}

// POST /exchange/destinations
func (a *App) destinationCreateSubmit(c *fiber.Ctx) error {
	in, shown := destinationForm(c)
	if v := strings.TrimSpace(c.FormValue("since")); v != "" {
		day, err := enforcement.ParseDate(v)
		if err != nil {
			return a.renderDestination(c.Status(fiber.StatusUnprocessableEntity), shown, fiber.Map{"New": true, "Since": v,
				"Error": "补推起始日期格式应为 YYYY-MM-DD", "ErrorField": "since"})
		}
		t := day.StartIn()
		in.Since = &t
	}
	names, err := fieldNamesForm(c.FormValue("field_names"))
	var d audit.Destination
	if err == nil {
		in.FieldNames = &names
		d, err = a.audit.CreateDestination(c.UserContext(), actor(c), in)
	}
	if data, ok := formError(err); ok {
		data["New"], data["Since"], data["FieldNamesText"] = true, c.FormValue("since"), c.FormValue("field_names")
		return a.renderDestination(c.Status(fiber.StatusUnprocessableEntity), shown, data)
	}
	if err != nil {
		return err
	}
	msg := "已新增接收方“" + d.Name + "”"
	if n := d.Counts.Pending; n > 0 {
		msg += fmt.Sprintf("，%d 条已有事件将补推", n)
	}
	return redirectFlash(c, "/exchange/destinations/"+d.ID.String(), msg)
}

// POST /exchange/destinations/{id}
func (a *App) destinationUpdateSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in, shown := destinationForm(c)
	in.Format = nil
	names, err := fieldNamesForm(c.FormValue("field_names"))
	var d audit.Destination
	if err == nil {
		in.FieldNames = &names
		d, err = a.audit.UpdateDestination(c.UserContext(), actor(c), id, in)
	}
	if data, ok := formError(err); ok {
		data["FieldNamesText"] = c.FormValue("field_names")
		cur, cerr := a.audit.Destination(c.UserContext(), actor(c), id)
		if cerr != nil {
			return cerr
		}
		shown.ID, shown.Format, shown.SecretSet, shown.Since, shown.Counts, shown.RegionPrefix = cur.ID, cur.Format, cur.SecretSet, cur.Since, cur.Counts, cur.RegionPrefix
		return a.renderDestination(c.Status(fiber.StatusUnprocessableEntity), shown, data)
	}
	if err != nil {
		return err
	}
	msg := "已保存"
	if d.Paused {
		msg += "。该接收方已暂停，事件继续排队，恢复后按顺序发送"
	}
	return redirectFlash(c, "/exchange/destinations/"+d.ID.String(), msg)
}

var outboxTabs = []struct{ State, Label string }{{"", "全部"}, {"pending", "待推送"}, {"failed", "重试中"}, {"dead", "失败待处理"}, {"sent", "已送达"}}

// GET /exchange/outbox?state=&destination_id=
func (a *App) outboxPage(c *fiber.Ctx) error {
	f, err := outboxFilter(c)
	if err != nil {
		return err
	}
	l, err := a.audit.Outbox(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	data := fiber.Map{"List": l, "State": f.State, "Tabs": outboxTabs, "Pager": pager(c, f.Page, l.Total), "Back": c.OriginalURL()}
	if f.DestinationID != nil {
		d, err := a.audit.Destination(c.UserContext(), actor(c), *f.DestinationID)
		if err != nil {
			return err
		}
		data["Dest"] = d
	}
	return c.Render("exchange_outbox", a.view(c, "推送记录 · 数据交换", data))
}

// POST /exchange/outbox/{id}/retry — back to the page it came from.
func (a *App) retrySubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	back := safeNext(c.FormValue("back"))
	if !strings.HasPrefix(back, "/exchange/outbox") {
		back = "/exchange/outbox?state=dead"
	}
	d, err := a.audit.RetryDelivery(c.UserContext(), actor(c), id)
	if fault.KindOf(err) == fault.Conflict {
		return redirectFlash(c, back, fault.MessageOf(err))
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, back, "已重新排队："+d.TopicLabel+" "+d.Summary+"，将发往"+d.DestinationName)
}

// POST /exchange/outbox/retry-dead — every dead letter (of one destination, when the list
// was of one) queued again, back to the list of dead letters.
func (a *App) retryDeadSubmit(c *fiber.Ctx) error {
	dest, err := optionalDestination(c.FormValue("destination_id"))
	if err != nil {
		return err
	}
	back := "/exchange/outbox?state=dead"
	if dest != nil {
		back += "&destination_id=" + dest.String()
	}
	n, err := a.audit.RetryDead(c.UserContext(), actor(c), dest)
	if err != nil {
		return err
	}
	if n == 0 {
		return redirectFlash(c, back, "没有失败待处理的事件")
	}
	return redirectFlash(c, back, fmt.Sprintf("已将 %d 条失败事件重新排队，将按原顺序发送", n))
}
