package app

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhifa/enforcement"
	"zhifa/evidence"
	"zhifa/fault"
)

// The catalogue of document kinds for administrators: each kind's newest version, and a
// form that saves the next version. Documents already made keep the version they were
// made from.

func (a *App) documentKindPageRoutes(srv *fiber.App, login, write []fiber.Handler) {
	srv.Get("/document-kinds", append(login, a.documentKindsPage)...)
	srv.Get("/document-kinds/new", append(login, a.documentKindNewPage)...)
	srv.Get("/document-kinds/:code", append(login, a.documentKindPage)...)
	srv.Post("/document-kinds", append(write, a.documentKindSubmit)...)
}

// kindStages are the states a document may be made at, in the order a case goes.
var kindStages = []enforcement.State{enforcement.Filed, enforcement.Investigating, enforcement.Notified, enforcement.Hearing,
	enforcement.Review, enforcement.Decided, enforcement.Served, enforcement.Executed}

type option struct{ Code, Label string }

func sortedOptions(m map[string]string) []option {
	out := make([]option, 0, len(m))
	for k, v := range m {
		out = append(out, option{k, v})
	}
	slices.SortFunc(out, func(x, y option) int { return strings.Compare(x.Code, y.Code) })
	return out
}

// GET /document-kinds
func (a *App) documentKindsPage(c *fiber.Ctx) error {
	if err := actor(c).Require(enforcement.RoleAdmin); err != nil {
		return err
	}
	ks, err := a.evidence.DocumentKinds(c.UserContext(), false)
	if err != nil {
		return err
	}
	return c.Render("document_kinds", a.view(c, "文书格式", fiber.Map{"Kinds": ks, "Families": evidence.Families}))
}

// GET /document-kinds/new
func (a *App) documentKindNewPage(c *fiber.Ctx) error {
	if err := actor(c).Require(enforcement.RoleAdmin); err != nil {
		return err
	}
	return a.renderKind(c, evidence.DocumentKind{DocumentKindInput: evidence.DocumentKindInput{Family: "record",
		NumberPattern: "{agency}〔{year}〕{seq}号", Signers: []string{"party", "officer"}}}, nil, fiber.Map{"New": true})
}

// GET /document-kinds/{code}
func (a *App) documentKindPage(c *fiber.Ctx) error {
	if err := actor(c).Require(enforcement.RoleAdmin); err != nil {
		return err
	}
	versions, err := a.kindVersions(c, c.Params("code"))
	if err != nil {
		return err
	}
	if len(versions) == 0 {
		return fault.New(fault.NotFound, "文书种类不存在")
	}
	return a.renderKind(c, versions[0], versions, fiber.Map{})
}

// kindVersions are a code's versions, newest first.
func (a *App) kindVersions(c *fiber.Ctx, code string) ([]evidence.DocumentKind, error) {
	all, err := a.evidence.DocumentKinds(c.UserContext(), true)
	if err != nil {
		return nil, err
	}
	var versions []evidence.DocumentKind
	for _, k := range all {
		if k.Code == code {
			versions = append(versions, k)
		}
	}
	slices.SortFunc(versions, func(x, y evidence.DocumentKind) int { return y.Version - x.Version })
	return versions, nil
}

func (a *App) renderKind(c *fiber.Ctx, k evidence.DocumentKind, versions []evidence.DocumentKind, data fiber.Map) error {
	// Blank rows to add fields and sections with.
	for range 3 {
		k.Fields = append(k.Fields, evidence.DocumentField{Type: "text"})
	}
	for range 2 {
		k.Sections = append(k.Sections, evidence.DocumentSection{})
	}
	data["Kind"], data["Versions"] = k, versions
	// The kind's signers first, in their order: the boxes are sent in the order shown, and
	// the order is the signature block's on paper.
	signers := []option{}
	for _, sg := range k.Signers {
		if l := evidence.Signers[sg]; l != "" {
			signers = append(signers, option{sg, l})
		}
	}
	for _, o := range sortedOptions(evidence.Signers) {
		if !slices.Contains(k.Signers, o.Code) {
			signers = append(signers, o)
		}
	}
	data["Families"], data["Types"], data["Sources"], data["SignerOptions"] = sortedOptions(evidence.Families),
		sortedOptions(evidence.FieldTypes), sortedOptions(evidence.FieldSources), signers
	stages := make([]option, len(kindStages))
	for i, s := range kindStages {
		stages[i] = option{string(s), s.Label()}
	}
	data["StageOptions"] = stages
	title := "新文书种类"
	if k.Name != "" && data["New"] == nil {
		title = k.Name
	}
	return c.Render("document_kind", a.view(c, title+" · 文书格式", data))
}

// POST /document-kinds — the next version of a kind (or a new kind), from the form.
func (a *App) documentKindSubmit(c *fiber.Ctx) error {
	args := c.Request().PostArgs()
	multi := func(name string) []string {
		var out []string
		for _, v := range args.PeekMulti(name) {
			out = append(out, string(v))
		}
		return out
	}
	in := evidence.DocumentKindInput{Code: c.FormValue("code"), Name: c.FormValue("name"), Family: c.FormValue("family"),
		NumberPattern: c.FormValue("number_pattern"), Signers: multi("signers")}
	for _, s := range multi("stages") {
		in.Stages = append(in.Stages, enforcement.State(s))
	}
	for i := 0; i < 80; i++ {
		p := "field." + strconv.Itoa(i) + "."
		if !args.Has(p + "key") {
			break
		}
		f := evidence.DocumentField{Key: strings.TrimSpace(c.FormValue(p + "key")), Label: c.FormValue(p + "label"),
			Type: c.FormValue(p + "type"), Source: c.FormValue(p + "source"), Required: c.FormValue(p+"required") == "on"}
		if f.Key == "" && strings.TrimSpace(f.Label) == "" {
			continue // a blank row
		}
		in.Fields = append(in.Fields, f)
	}
	for i := 0; i < 60; i++ {
		p := "section." + strconv.Itoa(i) + "."
		if !args.Has(p + "text") {
			break
		}
		s := evidence.DocumentSection{Heading: c.FormValue(p + "heading"), Text: c.FormValue(p + "text")}
		if strings.TrimSpace(s.Heading) == "" && strings.TrimSpace(s.Text) == "" {
			continue
		}
		in.Sections = append(in.Sections, s)
	}
	isNew := c.FormValue("new") != ""
	versions, err := a.kindVersions(c, strings.TrimSpace(in.Code))
	if err != nil {
		return err
	}
	var k evidence.DocumentKind
	if isNew && len(versions) > 0 {
		err = fault.Field("code", "代码“%s”已是“%s”的代码：请换一个代码，或到该文书的页面修订", versions[0].Code, versions[0].Name)
	} else {
		k, err = a.evidence.CreateDocumentKind(c.UserContext(), actor(c), in)
	}
	if data, ok := formError(err); ok {
		shown := evidence.DocumentKind{DocumentKindInput: in}
		if isNew {
			data["New"], versions = true, nil
		} else if len(versions) > 0 {
			shown.Version, shown.CreatedAt = versions[0].Version, versions[0].CreatedAt
		}
		return a.renderKind(c.Status(fiber.StatusUnprocessableEntity), shown, versions, data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/document-kinds/"+k.Code, "已保存为第 "+strconv.Itoa(k.Version)+" 版。此后制作的文书使用新版本，已制作的文书不变")
}
