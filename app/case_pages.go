package app

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"zhifa/enforcement"
	"zhifa/evidence"
	"zhifa/fault"
)

func (a *App) casePageRoutes(srv *fiber.App, login, write []fiber.Handler) {
	srv.Get("/cases", append(login, a.casesPage)...)
	srv.Get("/cases/new", append(login, a.newCasePage)...)
	srv.Get("/cases/overdue", append(login, a.overduePage)...)
	srv.Post("/cases/new", append(write, a.newCaseSubmit)...)
	srv.Get("/cases/:id", append(login, a.casePage)...)
	srv.Post("/cases/:id/move", append(write, a.moveSubmit)...)
	srv.Post("/cases/:id/records", append(write, a.recordSubmit)...)
	srv.Get("/cases/:id/print", append(login, a.casePrintPage)...)
	srv.Get("/cases/:id/verify", append(login, a.verifyPage)...)
	srv.Post("/cases/:id/flags", append(write, a.flagsSubmit)...)
	srv.Get("/media/:id/access-log", append(login, a.accessLogPage)...)
}

// GET /cases — an officer sees their own cases first; others their scope.
func (a *App) casesPage(c *fiber.Ctx) error {
	act := actor(c)
	if c.Query("mine") == "" && act.OfficerID != nil && c.Query("q") == "" && c.Query("state") == "" {
		c.Request().URI().QueryArgs().Set("mine", "true")
	}
	f, err := a.caseFilter(c)
	if err != nil {
		return err
	}
	l, err := a.enforcement.ListCases(c.UserContext(), act, f)
	if err != nil {
		return err
	}
	states := []enforcement.State{enforcement.Filed, enforcement.Investigating, enforcement.Notified, enforcement.Hearing,
		enforcement.Review, enforcement.Decided, enforcement.Served, enforcement.Executed, enforcement.Closed,
		enforcement.Archived, enforcement.Withdrawn, enforcement.Transferred}
	return c.Render("cases", a.view(c, "案件", fiber.Map{"List": l, "Q": c.Query("q"), "State": c.Query("state"),
		"Mine": f.OfficerID != nil, "States": states, "CanFile": act.OfficerID != nil, "Pager": pager(c, f.Page, l.Total)}))
}

// GET /cases/overdue — open cases past a statutory deadline, for supervisors and
// anyone else, in their scope.
func (a *App) overduePage(c *fiber.Ctx) error {
	agency, err := uuidQuery(c, "agency_id")
	if err != nil {
		return err
	}
	l, err := a.enforcement.OverdueCases(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	// By agency, for a supervisor who follows one up.
	agencies := map[string]string{}
	var shown []enforcement.OverdueCase
	for _, o := range l {
		agencies[o.AgencyID.String()] = o.AgencyName
		if agency == nil || o.AgencyID == *agency {
			shown = append(shown, o)
		}
	}
	return c.Render("cases_overdue", a.view(c, "超期案件", fiber.Map{"List": shown, "Agencies": agencies, "Agency": agency}))
}

// newCaseData is what the filing form needs: the agency's officers with valid certificates.
func (a *App) newCaseData(c *fiber.Ctx, data fiber.Map) (fiber.Map, error) {
	act := actor(c)
	if act.OfficerID == nil {
		return nil, fault.New(fault.Forbidden, "只有执法人员可以立案")
	}
	l, err := a.enforcement.ListOfficers(c.UserContext(), act, enforcement.OfficerFilter{AgencyID: &act.AgencyID,
		Status: enforcement.OfficerActive, Page: enforcement.Page{Number: 1, Size: 200}})
	if err != nil {
		return nil, err
	}
	data["Officers"], data["Measures"] = l.Items, enforcement.Measures
	data["Kinds"], data["AgencyID"] = enforcement.CaseKinds, act.AgencyID
	if data["Form"] == nil {
		data["Form"] = fiber.Map{"occurred_at": time.Now().In(enforcement.Shanghai()).Format("2006-01-02T15:04"), "kind": "penalty"}
	}
	if data["Parties"] == nil {
		data["Parties"] = []partyRow{{Type: "org"}}
	}
	handlers, _ := data["Handlers"].(map[string]bool)
	if handlers == nil {
		handlers = map[string]bool{act.OfficerID.String(): true}
		data["Handlers"] = handlers
	}
	var chosen []enforcement.Officer
	for _, o := range l.Items {
		if handlers[o.ID.String()] {
			chosen = append(chosen, o)
		}
	}
	data["Chosen"] = chosen
	return data, nil
}

// partyRow is one party as typed on the filing form; a row left empty is not a party.
type partyRow struct{ Type, Name, IDNumber, Address, Phone, LegalRep string }

func (p partyRow) empty() bool {
	return strings.TrimSpace(p.Name+p.IDNumber+p.Address+p.Phone+p.LegalRep) == ""
}

// partyRows reads the form's party rows, which repeat each field once a row.
func partyRows(c *fiber.Ctx) []partyRow {
	args := c.Request().PostArgs()
	col := func(name string, i int) string {
		if vs := args.PeekMulti(name); i < len(vs) {
			return string(vs[i])
		}
		return ""
	}
	var rows []partyRow
	for i := range len(args.PeekMulti("party_name")) {
		rows = append(rows, partyRow{Type: col("party_type", i), Name: col("party_name", i), IDNumber: col("party_id_number", i),
			Address: col("party_address", i), Phone: col("party_phone", i), LegalRep: col("party_legal_rep", i)})
	}
	return rows
}

// GET /cases/new
func (a *App) newCasePage(c *fiber.Ctx) error {
	data, err := a.newCaseData(c, fiber.Map{})
	if err != nil {
		return err
	}
	return c.Render("case_new", a.view(c, "立案", data))
}

// POST /cases/new
func (a *App) newCaseSubmit(c *fiber.Ctx) error {
	act := actor(c)
	args := c.Request().PostArgs()
	in := enforcement.CaseInput{AgencyID: act.AgencyID, Kind: enforcement.CaseKind(c.FormValue("kind")),
		Cause: c.FormValue("cause"), LegalBasis: c.FormValue("legal_basis"), Location: c.FormValue("location")}
	rows := partyRows(c)
	var kept []partyRow // the rows that are parties, in order, so errors name the row shown
	for _, p := range rows {
		if !p.empty() {
			kept = append(kept, p)
			in.Parties = append(in.Parties, enforcement.Party{Type: p.Type, Name: p.Name, IDNumber: p.IDNumber, Address: p.Address, Phone: p.Phone, LegalRep: p.LegalRep})
		}
	}
	handlers := map[string]bool{}
	for _, v := range args.PeekMulti("handler_ids") {
		if id, err := uuid.Parse(string(v)); err == nil {
			in.HandlerIDs = append(in.HandlerIDs, id)
			handlers[id.String()] = true
		}
	}
	for _, v := range args.PeekMulti("measures") {
		in.Measures = append(in.Measures, string(v))
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04", c.FormValue("occurred_at"), enforcement.Shanghai()); err == nil {
		in.OccurredAt = t
	}
	// Everything typed comes back: on a refusal, and when another party row is asked for.
	again := func(data fiber.Map, status int) error {
		form := fiber.Map{}
		args.VisitAll(func(k, v []byte) { form[string(k)] = string(v) })
		data["Form"], data["Handlers"], data["Parties"] = form, handlers, kept
		if len(kept) == 0 || c.FormValue("action") == "add_party" {
			data["Parties"] = append(kept, partyRow{Type: "person"})
		}
		data, err := a.newCaseData(c, data)
		if err != nil {
			return err
		}
		return c.Status(status).Render("case_new", a.view(c, "立案", data))
	}
	if c.FormValue("action") == "add_party" {
		return again(fiber.Map{}, fiber.StatusOK)
	}
	cs, err := a.enforcement.CreateCase(c.UserContext(), act, in)
	if data, ok := formError(err); ok {
		return again(data, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/cases/"+cs.ID.String(), "已立案："+cs.Number)
}

// timelineItem is one record as the case page shows it, with its files.
type timelineItem struct {
	evidence.Record
	Media []evidence.Media
	Off   *evidence.Offline // taken without a network
}

// moveOption is a state a handler may move the case to from the page.
type moveOption struct {
	To    enforcement.State
	Label string
}

// GET /cases/{id}
func (a *App) casePage(c *fiber.Ctx) error {
	return a.renderCase(c, fiber.Map{})
}

func (a *App) renderCase(c *fiber.Ctx, data fiber.Map) error {
	v, err := a.loadCase(c)
	if err != nil {
		return err
	}
	act := actor(c)
	byRecord := map[uuid.UUID][]evidence.Media{}
	for _, m := range v.Media {
		byRecord[m.RecordID] = append(byRecord[m.RecordID], m)
	}
	// A file's own entry in the chain is shown with the record it belongs to, by its
	// number, so the numbering has no silent gaps.
	attSeq := map[uuid.UUID]int{}
	for _, r := range v.Records {
		if r.Kind == "attachment" {
			attSeq[r.ID] = r.Seq
		}
	}
	data["AttSeq"] = attSeq
	items, late := make([]timelineItem, 0, len(v.Records)), 0
	for i := len(v.Records) - 1; i >= 0; i-- { // newest first: what a phone user wants to see
		r := v.Records[i]
		if r.Kind == "attachment" {
			continue // shown under the record it belongs to
		}
		off := r.Offline()
		if off != nil && off.Late {
			late++
		}
		items = append(items, timelineItem{Record: r, Media: byRecord[r.ID], Off: off})
	}
	data["LateRecords"] = late
	var moves []moveOption
	can := map[string]bool{} // keyed by state name, for the template
	for _, s := range enforcement.NextStates(v.State) {
		moves = append(moves, moveOption{s, s.Label()})
		can[string(s)] = true
	}
	data["Can"] = can
	if can[string(enforcement.Served)] {
		// The proof of service is a record already in the chain: the photographed 送达回证
		// or postal receipt, newest first.
		var proofs []evidence.Record
		for i := len(v.Records) - 1; i >= 0; i-- {
			if k := v.Records[i].Kind; k == "document" || k == "photo" {
				proofs = append(proofs, v.Records[i])
			}
		}
		names := make([]string, len(v.Parties))
		for i, p := range v.Parties {
			names[i] = p.Name
		}
		data["Proofs"], data["DeliveryMethods"], data["PartyNames"] = proofs, enforcement.DeliveryMethods, strings.Join(names, "、")
	}
	// Audio-video records the stage still lacks: a measure that needs one, and no audio or
	// video file under a record of this stage yet.
	stageOf := map[uuid.UUID]enforcement.State{}
	for _, r := range v.Records {
		stageOf[r.ID] = r.Stage
	}
	recorded := false
	for _, m := range v.Media {
		kind, _, _ := strings.Cut(m.ContentType, "/")
		recorded = recorded || ((kind == "audio" || kind == "video") && stageOf[m.RecordID] == v.State)
	}
	var av []string
	if !recorded {
		for _, m := range v.AVRequired(v.State) {
			av = append(av, m.Label)
		}
	}
	cal, err := a.enforcement.Store.Calendar(c.UserContext())
	if err != nil {
		return err
	}
	docs, err := a.evidence.Store.DocumentFacts(c.UserContext(), a.db, v.ID)
	if err != nil {
		return err
	}
	facts := enforcement.StepFacts{Calendar: cal, Today: a.enforcement.Today(), AVMissing: av, Docs: &docs}
	if docs.ServedAt != nil {
		data["ServedDoc"] = docs // the decision's service is the delivery; the form does not ask again
	}
	if n := len(v.Reviews); n > 0 {
		facts.Review = &v.Reviews[n-1]
	}
	data["Steps"] = v.NextSteps(v.Clocks, facts)
	if data["CheckID"], err = a.inspection.CheckOfCase(c.UserContext(), v.ID); err != nil {
		return err
	}
	for _, k := range []string{"Move", "Record"} { // what a refused form sent, or nothing
		if data[k] == nil {
			data[k] = map[string]string{}
		}
	}
	for _, k := range []string{"MoveField", "RecordField"} {
		if data[k] == nil {
			data[k] = ""
		}
	}
	var measures []string
	for _, code := range v.Measures {
		if m, ok := enforcement.MeasureByCode(code); ok {
			measures = append(measures, m.Label)
		}
	}
	data["Case"], data["Timeline"], data["Moves"] = v, items, moves
	data["MeasureLabels"] = measures
	// The form lists the named kinds first and "other" last, as the forms people know do;
	// the catalogue's own order is by weight.
	var cats []enforcement.DecisionCategory
	all := enforcement.CategoriesOf(v.Kind)
	for i, c := range all {
		if !strings.HasPrefix(c.Code, "other_") {
			cats = append(cats, c)
		}
		if i == len(all)-1 || all[i+1].Group != c.Group { // the group ends: its "other" last
			for _, o := range all {
				if o.Group == c.Group && strings.HasPrefix(o.Code, "other_") {
					cats = append(cats, o)
				}
			}
		}
	}
	data["Categories"] = cats
	if v.Decision != nil {
		var labels []string
		for _, code := range v.Decision.Categories {
			labels = append(labels, enforcement.CategoryLabel(v.Kind, code))
		}
		data["CategoryLabels"] = strings.Join(labels, "、")
	}
	data["IsHandler"] = act.IsHandler(v.Case) && v.State.Open()
	data["CanSubmitReview"] = data["IsHandler"] == true && (v.State == enforcement.Notified || v.State == enforcement.Hearing ||
		(v.State == enforcement.Review && (len(v.Reviews) == 0 || v.Reviews[len(v.Reviews)-1].State != enforcement.ReviewPending)))
	if data["Draft"] == nil {
		data["Draft"] = fiber.Map{"outcome": "penalty"}
	}
	if data["CanSubmitReview"] == true {
		crit, err := a.enforcement.Store.Criteria(c.UserContext(), v.AgencyID)
		if err != nil {
			return err
		}
		marked := map[string]bool{}
		for _, k := range v.MajorKinds {
			marked[k] = true
		}
		data["ExtraKinds"], data["MarkedKinds"] = crit.ExtraKinds, marked
	}
	if data["Documents"], err = a.evidence.CaseDocuments(c.UserContext(), act, v.ID); err != nil {
		return err
	}
	if data["IsHandler"] == true {
		if data["DocumentKinds"], err = a.evidence.DocumentKinds(c.UserContext(), false); err != nil {
			return err
		}
	}
	data["RecordKinds"] = []evidence.Kind{"onsite", "interview", "photo", "video", "audio", "document", "text", "collective"}
	data["Accept"] = "image/*,video/*,audio/*,application/pdf,.heic,.amr,.m4a"
	return c.Render("case", a.view(c, v.Number, data))
}

// POST /cases/{id}/move
func (a *App) moveSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	m := enforcement.Move{To: enforcement.State(c.FormValue("to")), Reason: c.FormValue("reason"),
		StatementWaived: c.FormValue("statement_waived") == "on"}
	if m.To == enforcement.Decided {
		d := enforcement.Decision{Outcome: c.FormValue("outcome"), Text: c.FormValue("decision_text"), LicenseRef: c.FormValue("license_ref")}
		if cat := c.FormValue("category"); cat != "" {
			d.Categories = append(d.Categories, cat)
		}
		c.Request().PostArgs().VisitAll(func(k, v []byte) {
			if code, ok := strings.CutPrefix(string(k), "cat_"); ok && string(v) == "on" {
				d.Categories = append(d.Categories, code)
			}
		})
		if s := strings.TrimSpace(c.FormValue("fine_yuan")); s != "" {
			yuan, err := strconv.ParseFloat(s, 64)
			if err != nil || yuan < 0 {
				return a.renderCase(c.Status(fiber.StatusUnprocessableEntity), fiber.Map{"MoveError": "罚款金额应为不小于 0 的数（单位：元）",
					"MoveField": "fine_yuan", "Move": typedForm(c)})
			}
			d.FineAmount = int64(yuan*100 + 0.5)
		}
		m.Decision = &d
	}
	switch m.To {
	case enforcement.Served:
		if c.FormValue("delivery_method") == "" && c.FormValue("delivery_at") == "" {
			break // the decision's recorded service, if any, is the delivery
		}
		d := enforcement.Delivery{Method: c.FormValue("delivery_method"), Recipient: c.FormValue("delivery_recipient")}
		if t, err := time.ParseInLocation("2006-01-02T15:04", c.FormValue("delivery_at"), enforcement.Shanghai()); err == nil {
			d.At = t
		}
		if id, err := uuid.Parse(c.FormValue("delivery_proof")); err == nil {
			d.ProofRecordID = &id
		}
		m.Delivery = &d
	case enforcement.Executed:
		m.Execution = c.FormValue("execution")
		if d, err := enforcement.ParseDate(c.FormValue("executed_on")); err == nil {
			m.ExecutedOn = d
		}
	case enforcement.Closed:
		m.Summary = c.FormValue("summary")
	}
	if m.To == enforcement.Hearing {
		if t, err := time.ParseInLocation("2006-01-02T15:04", c.FormValue("hearing_at"), enforcement.Shanghai()); err == nil {
			m.HearingAt = &t
		}
	}
	cs, err := a.enforcement.MoveCase(c.UserContext(), actor(c), id, m)
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		if fault.KindOf(err) == fault.Conflict {
			c.Status(fiber.StatusConflict)
		}
		return a.renderCase(c, fiber.Map{"MoveError": data["Error"], "MoveField": data["ErrorField"], "Move": typedForm(c)})
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/cases/"+cs.ID.String(), "案件已转为“"+cs.State.Label()+"”")
}

// POST /cases/{id}/records — a record without files (the page's script adds files
// through the API, so large videos go straight to MinIO).
func (a *App) recordSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := evidence.RecordInput{Kind: evidence.Kind(c.FormValue("kind")), Note: c.FormValue("note"),
		Participants: splitNames(c.FormValue("participants"))}
	r, err := a.evidence.AddRecord(c.UserContext(), actor(c), id, in)
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderCase(c, fiber.Map{"RecordError": data["Error"], "RecordField": data["ErrorField"], "Record": typedForm(c)})
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/cases/"+id.String(), "已记录第 "+strconv.Itoa(r.Seq)+" 条："+r.Kind.Label())
}

// GET /cases/{id}/print — the printable summary that the archive also carries.
func (a *App) casePrintPage(c *fiber.Ctx) error {
	v, err := a.loadCase(c)
	if err != nil {
		return err
	}
	// The summary carries its own styles so that it prints the same inside an archive.
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	return c.Render("case_print", fiber.Map{"Case": v, "Printed": time.Now(), "By": actor(c).Name}, "")
}

// GET /media/{id}/access-log — who opened an evidence file, when and from where.
func (a *App) accessLogPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	m, err := a.evidence.FindMedia(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	l, err := a.evidence.AccessLog(c.UserContext(), actor(c), id, p)
	if err != nil {
		return err
	}
	return c.Render("access_log", a.view(c, "访问日志", fiber.Map{"Media": m, "List": l, "Pager": pager(c, p, l.Total)}))
}

// splitNames reads a list of names typed with Chinese or Latin separators.
func splitNames(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("、,，;；\n ", r) })
}

// POST /cases/{id}/flags — what the catalogue of major decisions asks about the case.
func (a *App) flagsSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	f := enforcement.CaseFlags{PublicInterest: c.FormValue("public_interest") == "on", Complex: c.FormValue("complex") == "on",
		Serious: c.FormValue("serious") == "on"}
	for _, v := range c.Request().PostArgs().PeekMulti("major_kinds") {
		f.MajorKinds = append(f.MajorKinds, string(v))
	}
	_, err = a.enforcement.SetCaseFlags(c.UserContext(), actor(c), id, f)
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderCase(c, fiber.Map{"ReviewError": data["Error"]})
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/cases/"+id.String(), "已保存重大情形标注")
}

// checkedItem is one record or file on the verification page, with what was found.
type checkedItem struct {
	Seq      int
	Label    string
	When     time.Time
	Hash     string
	SM3      string
	Problems []string
}

// GET /cases/{id}/verify — the chain recomputed, in words: 完整 or 发现问题, and each record
// and file with its own finding. The JSON stays at /api/v1/cases/{id}/verify.
func (a *App) verifyPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx, act := c.UserContext(), actor(c)
	cs, err := a.enforcement.CaseReadable(ctx, act, id)
	if err != nil {
		return err
	}
	v, err := a.evidence.Verify(ctx, act, id)
	if err != nil {
		return err
	}
	recs, err := a.evidence.Records(ctx, act, id)
	if err != nil {
		return err
	}
	media, err := a.evidence.MediaOfCase(ctx, act, id)
	if err != nil {
		return err
	}
	byRecord, byMedia := map[uuid.UUID][]string{}, map[uuid.UUID][]string{}
	var general []string
	for _, p := range v.Problems {
		switch {
		case p.MediaID != nil:
			byMedia[*p.MediaID] = append(byMedia[*p.MediaID], p.Message)
		case p.RecordID != nil:
			byRecord[*p.RecordID] = append(byRecord[*p.RecordID], p.Message)
		default:
			general = append(general, p.Message)
		}
	}
	records := make([]checkedItem, len(recs))
	for i, r := range recs {
		records[i] = checkedItem{Seq: r.Seq, Label: r.Kind.Label(), When: r.OccurredAt, Hash: r.Hash, SM3: r.SM3, Problems: byRecord[r.ID]}
	}
	files := make([]checkedItem, len(media))
	for i, m := range media {
		files[i] = checkedItem{Label: m.Filename, When: m.CreatedAt, Hash: m.SHA256, SM3: m.SM3, Problems: byMedia[m.ID]}
	}
	data := fiber.Map{"Case": cs, "V": v, "Records": records, "Files": files, "General": general}
	// The head in the public log, proven into a signed checkpoint. Whether the chain agrees
	// with every head the log holds is among v's problems already.
	if len(recs) > 0 {
		last := recs[len(recs)-1]
		an, err := a.anchor(ctx, id, last.Seq, last.Hash)
		if err != nil && fault.KindOf(err) != fault.NotFound {
			return err
		}
		data["Anchored"], data["Anchor"], data["AnchorSeq"] = err == nil, an, last.Seq
		if err == nil {
			size, root, at, err := a.translog.OpenCheckpoint([]byte(an.Checkpoint.Signed))
			data["AnchorAt"] = at
			if err != nil || size != an.Inclusion.TreeSize || evidence.CheckInclusion(an.Inclusion, root) != nil {
				v.OK = false
				data["V"], data["General"] = v, append(general, "本案最后一条记录在公开日志中的包含证明无效")
			}
		}
	}
	return c.Render("case_verify", a.view(c, "校验 · "+cs.Number, data))
}

// typedForm is what a refused form sent, to put back in it.
func typedForm(c *fiber.Ctx) map[string]string {
	out := map[string]string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) { out[string(k)] = string(v) })
	return out
}
