package app

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"zhifa/enforcement"
)

func (a *App) agencyPublicRoutes(api fiber.Router) {
	api.Get("/agencies/:id/profile", a.getProfile)
	api.Put("/agencies/:id/profile", a.putProfile)
	api.Get("/agencies/:id/discretion-standards", a.listStandards)
	api.Post("/agencies/:id/discretion-standards", a.addStandard)
}

func (a *App) agencyPublicPageRoutes(srv *fiber.App, login, write []fiber.Handler) {
	srv.Get("/agencies/:id/public", append(login, a.agencyPublicPage)...)
	srv.Post("/agencies/:id/public/profile", append(write, a.profileSubmit)...)
	srv.Post("/agencies/:id/public/standards", append(write, a.standardSubmit)...)
	srv.Post("/agencies/:id/public/phone", append(write, a.phoneSubmit)...)
}

// POST /agencies/{id}/public/phone
func (a *App) phoneSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	_, err = a.enforcement.SetAgencyPhone(c.UserContext(), actor(c), id, c.FormValue("phone"))
	if data, ok := formError(err); ok {
		data["Phone"] = c.FormValue("phone")
		return a.renderAgencyPublic(c.Status(fiber.StatusUnprocessableEntity), data)
	}
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return redirectFlash(c, "/agencies/"+id.String()+"/public", "已保存联系电话")
}

func (a *App) publicAgencyRoutes(pub fiber.Router) {
	pub.Get("/api/agencies/:id", a.publicCached(a.publicAgencyJSON))
	pub.Get("/agencies", a.publicAgenciesPage)
	pub.Get("/agencies/:id", a.publicAgencyPage)
	pub.Get("/officers", a.publicOfficersPage)
}

// profileView is an agency's profile, its history and its standards.
type profileView struct {
	Current   *enforcement.AgencyProfile       `json:"current"`
	History   []enforcement.AgencyProfile      `json:"history"`
	Standards []enforcement.DiscretionStandard `json:"standards"`
}

func (a *App) loadProfile(c *fiber.Ctx, all bool) (enforcement.Agency, profileView, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return enforcement.Agency{}, profileView{}, err
	}
	ag, err := a.enforcement.FindAgency(c.UserContext(), actor(c), id)
	if err != nil {
		return ag, profileView{}, err
	}
	return a.profileOf(c, ag, all)
}

func (a *App) profileOf(c *fiber.Ctx, ag enforcement.Agency, all bool) (enforcement.Agency, profileView, error) {
	var v profileView
	p, ok, err := a.enforcement.Store.Profile(c.UserContext(), ag.ID)
	if err != nil {
		return ag, v, err
	}
	if ok {
		v.Current = &p
	}
	if all {
		if v.History, err = a.enforcement.Store.ProfileHistory(c.UserContext(), ag.ID); err != nil {
			return ag, v, err
		}
	}
	v.Standards, err = a.enforcement.Store.Standards(c.UserContext(), ag.ID, all)
	return ag, v, err
}

// GET /api/v1/agencies/{id}/profile — the current profile and every earlier version.
func (a *App) getProfile(c *fiber.Ctx) error {
	_, v, err := a.loadProfile(c, true)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// PUT /api/v1/agencies/{id}/profile
func (a *App) putProfile(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in enforcement.AgencyProfile
	if err := parseBody(c, &in); err != nil {
		return err
	}
	p, err := a.enforcement.SaveProfile(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.JSON(p)
}

// GET /api/v1/agencies/{id}/discretion-standards?all=true
func (a *App) listStandards(c *fiber.Ctx) error {
	_, v, err := a.loadProfile(c, c.QueryBool("all"))
	if err != nil {
		return err
	}
	return c.JSON(enforcement.List[enforcement.DiscretionStandard]{Items: v.Standards, Total: len(v.Standards)})
}

// POST /api/v1/agencies/{id}/discretion-standards
func (a *App) addStandard(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in enforcement.DiscretionStandard
	if err := parseBody(c, &in); err != nil {
		return err
	}
	d, err := a.enforcement.AddStandard(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.Status(fiber.StatusCreated).JSON(d)
}

// GET /agencies/{id}/public — what the agency publishes before enforcement; admins edit.
func (a *App) agencyPublicPage(c *fiber.Ctx) error {
	return a.renderAgencyPublic(c, fiber.Map{})
}

func (a *App) renderAgencyPublic(c *fiber.Ctx, data fiber.Map) error {
	ag, v, err := a.loadProfile(c, true)
	if err != nil {
		return err
	}
	data["Agency"], data["P"], data["CanEdit"] = ag, v, actor(c).Has(enforcement.RoleAdmin)
	return c.Render("agency_public", a.view(c, "事前公开 · "+ag.Name, data))
}

// POST /agencies/{id}/public/profile
func (a *App) profileSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	_, err = a.enforcement.SaveProfile(c.UserContext(), actor(c), id, enforcement.AgencyProfile{Powers: c.FormValue("powers"),
		LegalBasis: c.FormValue("legal_basis"), Procedures: c.FormValue("procedures"), Remedies: c.FormValue("remedies")})
	if data, ok := formError(err); ok {
		return a.renderAgencyPublic(c.Status(fiber.StatusUnprocessableEntity), data)
	}
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return redirectFlash(c, "/agencies/"+id.String()+"/public", "已发布新版本")
}

// POST /agencies/{id}/public/standards
func (a *App) standardSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d := enforcement.DiscretionStandard{Title: c.FormValue("title"), Body: c.FormValue("body")}
	if t, perr := time.Parse("2006-01-02", c.FormValue("effective_on")); perr == nil {
		d.EffectiveOn = enforcement.DateOf(t.Add(12 * time.Hour))
	}
	if r := c.FormValue("replaces"); r != "" {
		if rid, perr := parseUUID(r); perr == nil {
			d.Replaces = &rid
		}
	}
	_, err = a.enforcement.AddStandard(c.UserContext(), actor(c), id, d)
	if data, ok := formError(err); ok {
		return a.renderAgencyPublic(c.Status(fiber.StatusUnprocessableEntity), data)
	}
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return redirectFlash(c, "/agencies/"+id.String()+"/public", "已发布裁量基准")
}

// publicAgency is an agency with what it publishes, for the portal.
type publicAgency struct {
	PublicAgency
	Profile   *enforcement.AgencyProfile       `json:"profile"`
	Standards []enforcement.DiscretionStandard `json:"discretion_standards"`
}

func (a *App) publicAgencyOf(c *fiber.Ctx) (publicAgency, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return publicAgency{}, err
	}
	ag, err := a.enforcement.Store.FindAgency(c.UserContext(), id)
	if err != nil {
		return publicAgency{}, err
	}
	_, v, err := a.profileOf(c, ag, false)
	return publicAgency{PublicAgency: PublicAgency{ID: ag.ID.String(), Name: ag.Name, Code: ag.Code, RegionCode: ag.RegionCode, Phone: ag.Phone,
		Kind: string(ag.Kind)}, Profile: v.Current, Standards: v.Standards}, err
}

// GET /public/api/agencies/{id}
func (a *App) publicAgencyJSON(c *fiber.Ctx) error {
	p, err := a.publicAgencyOf(c)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// GET /public/agencies/{id}
func (a *App) publicAgencyPage(c *fiber.Ctx) error {
	p, err := a.publicAgencyOf(c)
	if err != nil {
		return err
	}
	return c.Render("public_agency", a.publicView(c, p.Name, fiber.Map{"A": p}))
}

// GET /public/agencies
func (a *App) publicAgenciesPage(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.enforcement.Store.ListAgencies(c.UserContext(), enforcement.AgencyFilter{Scope: enforcement.Scope{Public: true}, Q: c.Query("q"), Page: p})
	if err != nil {
		return err
	}
	return c.Render("public_agencies", a.publicView(c, "执法主体", fiber.Map{"List": l, "Q": c.Query("q"), "Pager": pager(c, p, l.Total)}))
}

// GET /public/officers?q=
func (a *App) publicOfficersPage(c *fiber.Ctx) error {
	l, p, err := a.publicOfficerList(c)
	if err != nil {
		return err
	}
	today := a.enforcement.Today()
	for i := range l.Items {
		l.Items[i].Status = l.Items[i].EffectiveStatus(today)
	}
	return c.Render("public_officers", a.publicView(c, "执法人员", fiber.Map{"List": l, "Q": c.Query("q"), "Pager": pager(c, p, l.Total)}))
}
