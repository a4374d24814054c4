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
	all, err := a.evidence.DocumentKinds(c.UserContext(), true)
	if err != nil {
		return err
	}
	var versions []evidence.DocumentKind
	for _, k := range all {
		if k.Code == c.Params("code") {
			versions = append(versions, k)
		}
	}
	if len(versions) == 0 {
		return fault.New(fault.NotFound, "文书种类不存在")
	}
	slices.SortFunc(versions, func(x, y evidence.DocumentKind) int { return y.Version - x.Version })
	return a.renderKind(c, versions[0], versions, fiber.Map{})
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
	data["Families"], data["Types"], data["Sources"], data["SignerOptions"] = sortedOptions(evidence.Families),
		sortedOptions(evidence.FieldTypes), sortedOptions(evidence.FieldSources), sortedOptions(evidence.Signers)
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
	k, err := a.evidence.CreateDocumentKind(c.UserContext(), actor(c), in)
	if data, ok := formError(err); ok {
		data["Retyped"] = true
		if c.FormValue("new") != "" {
			data["New"] = true
		}
		return a.renderKind(c.Status(fiber.StatusUnprocessableEntity), evidence.DocumentKind{DocumentKindInput: in}, nil, data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/document-kinds/"+k.Code, "已保存为第 "+strconv.Itoa(k.Version)+" 版。此后制作的文书使用新版本，已制作的文书不变")
}
