package app

import (
	"encoding/base64"
	"encoding/json"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	qrcode "github.com/skip2/go-qrcode"

	"zhifa/enforcement"
	"zhifa/evidence"
	"zhifa/fault"
)

// Documents on the phone: the case page lists them and starts one; a document's page
// fills its fields, takes the signatures on a pad and freezes it.

func (a *App) documentPageRoutes(srv *fiber.App, login, write []fiber.Handler) {
	srv.Post("/cases/:id/documents", append(write, a.draftSubmit)...)
	srv.Get("/documents/:id", append(login, a.caseDocumentPage)...)
	srv.Post("/documents/:id/fields", append(write, a.documentFieldsSubmit)...)
	srv.Post("/documents/:id/signatures", append(write, a.documentSignSubmit)...)
	srv.Post("/documents/:id/freeze", append(write, a.documentFreezeSubmit)...)
	srv.Post("/documents/:id/discard", append(write, a.documentDiscardSubmit)...)
	srv.Post("/documents/:id/service", append(write, a.documentServeSubmit)...)
}

// serviceData is what the service form offers: the case's frozen receipts, its records
// to name as proof or consent, and the document's services so far.
func (a *App) serviceData(c *fiber.Ctx, d evidence.Document, cs enforcement.Case, data fiber.Map) error {
	act := actor(c)
	all, err := a.evidence.DocumentServices(c.UserContext(), act, d.CaseID)
	if err != nil {
		return err
	}
	var mine []evidence.DocumentService
	for _, s := range all {
		if s.DocumentID == d.ID {
			mine = append(mine, s)
		}
	}
	data["Services"] = mine
	if data["CanServe"] != true {
		return nil
	}
	docs, err := a.evidence.CaseDocuments(c.UserContext(), act, d.CaseID)
	if err != nil {
		return err
	}
	var receipts []evidence.Document
	for _, x := range docs {
		if x.Kind == "service_receipt" && x.State == "frozen" {
			receipts = append(receipts, x)
		}
	}
	recs, err := a.evidence.Records(c.UserContext(), act, d.CaseID)
	if err != nil {
		return err
	}
	var proofs []evidence.Record
	for i := len(recs) - 1; i >= 0; i-- {
		if k := recs[i].Kind; (k == "photo" || k == "video" || k == "document" || k == "text" || k == "attachment") &&
			!strings.Contains(string(recs[i].Data), `"document_id"`) { // a frozen document's own entry is no proof of its service
			proofs = append(proofs, recs[i])
		}
	}
	names := make([]string, len(cs.Parties))
	for i, p := range cs.Parties {
		names[i] = p.Name
	}
	data["Receipts"], data["ProofRecords"], data["Methods"] = receipts, proofs, enforcement.DeliveryMethods
	if data["ServeTyped"] == nil {
		data["ServeTyped"] = map[string]string{"to": strings.Join(names, "、"), "method": "direct",
			"at": time.Now().In(enforcement.Shanghai()).Format("2006-01-02T15:04"), "notice_days": "30"}
	}
	return nil
}

// POST /documents/{id}/service — the service form. An electronic service shows its link
// and code here, once; the others return to the document with a message.
func (a *App) documentServeSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := evidence.ServiceInput{Method: c.FormValue("method"), To: c.FormValue("to"), Witness: c.FormValue("witness"),
		TrackingNumber: c.FormValue("tracking_number")}
	if in.Method != "electronic" {
		if at, err := time.ParseInLocation("2006-01-02T15:04", c.FormValue("at"), enforcement.Shanghai()); err == nil {
			in.At = at
		}
	}
	in.NoticeDays, _ = strconv.Atoi(c.FormValue("notice_days"))
	parseID := func(name string) *uuid.UUID {
		if v, err := uuid.Parse(c.FormValue(name)); err == nil {
			return &v
		}
		return nil
	}
	in.ReceiptID, in.Consent = parseID("receipt_id"), parseID("consent")
	if e := parseID("evidence_id"); e != nil {
		in.EvidenceIDs = []uuid.UUID{*e}
	}
	if in.Method != "direct" {
		in.ReceiptID = nil
	}
	if in.Method != "electronic" {
		in.Consent = nil
	}
	if in.Method != "left" && in.Method != "mail" {
		in.EvidenceIDs = nil
	}
	s, err := a.evidence.ServeDocument(c.UserContext(), actor(c), id, in)
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderCaseDocument(c, fiber.Map{"ServeError": data["Error"], "ServeField": data["ErrorField"], "ServeTyped": typedForm(c)})
	}
	if err != nil {
		return err
	}
	if s.Method != "electronic" {
		msg := "已登记" + s.MethodLabel + "，送达时间 " + s.ServedAt.In(enforcement.Shanghai()).Format("2006-01-02 15:04")
		return redirectFlash(c, "/documents/"+id.String()+"#service", msg)
	}
	qr, err := qrcode.Encode(s.Link, qrcode.Medium, 512)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return a.renderCaseDocument(c, fiber.Map{"Sent": s,
		// html/template would blank a data: address it cannot vouch for; this one is ours.
		"SentQR": template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(qr))})
}

// POST /cases/{id}/documents — a draft of a kind, or a correction of a frozen document.
func (a *App) draftSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := evidence.DocumentInput{Kind: c.FormValue("kind")}
	if r := c.FormValue("replaces"); r != "" {
		rid, err := uuid.Parse(r)
		if err != nil {
			return fault.Field("replaces", "被更正的文书编号无效")
		}
		in.Replaces = &rid
	}
	d, err := a.evidence.DraftDocument(c.UserContext(), actor(c), id, in)
	if data, ok := formError(err); ok && in.Replaces == nil {
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderCase(c, fiber.Map{"DocumentError": data["Error"]})
	}
	if err != nil {
		return err
	}
	msg := "已制作草稿：" + d.Name + "。请核对内容，签名后定稿"
	if d.Replaces != nil {
		msg = "已制作更正稿（第 " + strconv.Itoa(d.Version) + " 版）：请修改需要更正的内容，签名后定稿"
	}
	return redirectFlash(c, "/documents/"+d.ID.String(), msg)
}

// GET /documents/{id}
func (a *App) caseDocumentPage(c *fiber.Ctx) error {
	return a.renderCaseDocument(c, fiber.Map{})
}

func (a *App) renderCaseDocument(c *fiber.Ctx, data fiber.Map) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	act := actor(c)
	d, err := a.evidence.FindDocument(c.UserContext(), act, id)
	if err != nil {
		return err
	}
	cs, err := a.enforcement.FindCase(c.UserContext(), act, d.CaseID)
	if err != nil {
		return err
	}
	data["Doc"], data["Case"] = d, cs
	data["Editable"] = d.State == "draft" && act.IsHandler(cs)
	if d.State == "frozen" {
		if data["Accesses"], err = a.evidence.DocumentAccessLog(c.UserContext(), act, id, 20); err != nil {
			return err
		}
	}
	k, err := a.evidence.DocumentKindOf(c.UserContext(), d)
	if err != nil {
		return err
	}
	data["Kind"] = k
	signed := map[string]bool{}
	for _, g := range d.Signatures {
		if g.OfficerID != nil {
			signed[g.OfficerID.String()] = true
		}
	}
	data["Signed"], data["NextOfficer"] = signed, ""
	for _, h := range cs.Handlers {
		if !signed[h.ID.String()] && data["NextOfficer"] == "" {
			data["NextOfficer"] = h.ID.String()
		}
	}
	roles := []fiber.Map{}
	for _, r := range []string{"party", "officer", "witness"} {
		if r == "witness" || slices.Contains(k.Signers, r) {
			roles = append(roles, fiber.Map{"Code": r, "Label": evidence.Signers[r]})
		}
	}
	data["Roles"], data["PartySigns"], data["SignerLabels"] = roles, slices.Contains(k.Signers, "party"), evidence.Signers
	data["CanCorrect"] = d.State == "frozen" && act.IsHandler(cs) && cs.State.Open()
	var missing []string
	for _, f := range d.Fields {
		if slices.Contains(d.Missing, f.Key) {
			missing = append(missing, f.Label)
		}
	}
	data["MissingLabels"], data["MissingSigners"] = missing, a.evidence.MissingSigners(k, cs, d)
	data["NextRole"] = nextSigner(d, k, cs)
	if r := data["SignTyped"]; r != nil {
		if role := r.(map[string]string)["role"]; role != "" {
			data["NextRole"] = role // a refused signature keeps who was signing
		}
	}
	data["CanServe"] = d.State == "frozen" && d.ReplacedBy == nil && (k.Family == "notice" || k.Family == "decision") &&
		act.IsHandler(cs) && cs.State.Open()
	if d.State == "frozen" {
		if err := a.serviceData(c, d, cs, data); err != nil {
			return err
		}
	}
	if data["Editable"] == true {
		av, err := a.evidence.AudioVideoRecords(c.UserContext(), act, d.CaseID)
		if err != nil {
			return err
		}
		data["AVRecords"] = av
	}
	_, data["Retyped"] = data["Typed"].(map[string]string)
	for _, k := range []string{"Typed", "SignTyped", "ServeTyped"} {
		if data[k] == nil {
			data[k] = map[string]string{}
		}
	}
	for _, k := range []string{"ErrorField", "SignField", "ServeField"} {
		if data[k] == nil {
			data[k] = ""
		}
	}
	return c.Render("document", a.view(c, d.Name, data))
}

// POST /documents/{id}/fields — the values typed on the draft's form.
func (a *App) documentFieldsSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	fields := map[string]string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if key, ok := strings.CutPrefix(string(k), "f."); ok {
			fields[key] = string(v)
		}
	})
	_, err = a.evidence.UpdateDraft(c.UserContext(), actor(c), id, fields)
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderCaseDocument(c, fiber.Map{"Error": data["Error"], "ErrorField": data["ErrorField"], "Typed": typedForm(c)})
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/documents/"+id.String(), "已保存文书内容")
}

// POST /documents/{id}/signatures — a signature drawn on the pad, or the party's refusal.
func (a *App) documentSignSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := evidence.SignatureInput{Role: c.FormValue("role"), Signer: c.FormValue("signer"), Refused: c.FormValue("refused") == "true",
		Reason: c.FormValue("reason")}
	if o := c.FormValue("officer_id"); o != "" {
		if oid, err := uuid.Parse(o); err == nil {
			in.OfficerID = &oid
		}
	}
	if r := c.FormValue("record_id"); r != "" {
		if rid, err := uuid.Parse(r); err == nil {
			in.RecordID = &rid
		}
	}
	// The values the page showed the signer travel with the signature as f.<key>.
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if key, ok := strings.CutPrefix(string(k), "f."); ok {
			if in.Seen == nil {
				in.Seen = map[string]string{}
			}
			in.Seen[key] = string(v)
		}
	})
	if s := c.FormValue("strokes"); s != "" && !in.Refused {
		in.Strokes = &evidence.Strokes{}
		if err := json.Unmarshal([]byte(s), in.Strokes); err != nil {
			err = fault.Field("strokes", "签名数据无法读取，请重新签名")
			return a.signError(c, err)
		}
	}
	d, err := a.evidence.SignDocument(c.UserContext(), actor(c), id, in)
	if _, ok := formError(err); ok {
		return a.signError(c, err)
	}
	if err != nil {
		return err
	}
	who := in.Signer
	for _, g := range d.Signatures {
		if in.Role == "officer" && g.Role == "officer" && g.OfficerID != nil && (in.OfficerID == nil || *g.OfficerID == *in.OfficerID) {
			who = g.Signer
		}
	}
	msg := evidence.Signers[in.Role] + who + "已签名"
	if in.Refused {
		msg = "已登记当事人拒签；请见证人签名"
	}
	return redirectFlash(c, "/documents/"+id.String()+"#signatures", msg)
}

func (a *App) signError(c *fiber.Ctx, err error) error {
	data, _ := formError(err)
	c.Status(fiber.StatusUnprocessableEntity)
	return a.renderCaseDocument(c, fiber.Map{"SignError": data["Error"], "SignField": data["ErrorField"], "SignTyped": typedForm(c)})
}

// POST /documents/{id}/freeze
func (a *App) documentFreezeSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.evidence.FreezeDocument(c.UserContext(), actor(c), id)
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderCaseDocument(c, fiber.Map{"FreezeError": data["Error"]})
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/documents/"+id.String(), "已定稿："+d.Number+"。PDF 已存档，哈希已记入全过程记录")
}

// POST /documents/{id}/discard — a draft goes.
func (a *App) documentDiscardSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.evidence.FindDocument(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	if err := a.evidence.DiscardDraft(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return redirectFlash(c, "/cases/"+d.CaseID.String()+"#documents", "已删除草稿："+d.Name)
}

// nextSigner is who the pad is for by default: the party until they signed or refused,
// then the case's officers until enough have, then a witness.
func nextSigner(d evidence.Document, k evidence.DocumentKind, cs enforcement.Case) string {
	party, officers := false, 0
	for _, g := range d.Signatures {
		switch g.Role {
		case "party":
			party = true
		case "officer":
			officers++
		}
	}
	switch {
	case slices.Contains(k.Signers, "party") && !party:
		return "party"
	case slices.Contains(k.Signers, "officer") && officers < len(cs.Handlers):
		return "officer"
	}
	return "witness"
}
