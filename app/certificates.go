package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Every officer's certificate carries a QR code that opens its public page. The URL holds
// a signature of the certificate number, so a code printed for a number zhifa never
// issued, or altered, is recognised as forged.

func (a *App) qrRoutes(api fiber.Router) {
	api.Get("/officers/:id/qr.png", a.officerQR)
	api.Get("/officers/:id/qr.svg", a.officerQR)
}

func (a *App) certificateRoutes(pub fiber.Router) {
	pub.Get("/api/officers", a.publicCached(a.publicOfficersJSON))
	pub.Get("/api/officers/:cert", a.publicOfficerJSON)
	pub.Get("/api/agencies", a.publicCached(a.publicAgenciesJSON))
	pub.Get("/officers/:cert", a.publicOfficerPage)
}

func (a *App) certSignature(certNo string) string {
	m := hmac.New(sha256.New, []byte(a.cfg.QRKey))
	m.Write([]byte("zhifa-cert:" + certNo))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:22]
}

// certURL is what an officer's QR code holds.
func (a *App) certURL(certNo string) string {
	return a.cfg.PublicURL + "/public/officers/" + url.PathEscape(certNo) + "?s=" + a.certSignature(certNo)
}

// GET /api/v1/officers/{id}/qr.png and qr.svg
func (a *App) officerQR(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	o, err := a.enforcement.FindOfficer(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	return sendQR(c, a.certURL(o.CertNo), "执法证二维码", 512)
}

// sendQR answers a QR code of text: SVG when the path asks for .svg, else a PNG of px.
func sendQR(c *fiber.Ctx, text, label string, px int) error {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return err
	}
	if strings.HasSuffix(c.Path(), ".svg") {
		c.Set(fiber.HeaderContentType, "image/svg+xml")
		return c.SendString(qrSVG(q.Bitmap(), label))
	}
	png, err := q.PNG(px)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(png)
}

// qrSVG draws a QR bitmap as one path of unit squares, crisp at any print size.
func qrSVG(bits [][]bool, label string) string {
	n := len(bits)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges" role="img" aria-label="%s">`, n, n, html.EscapeString(label))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range bits {
		for x, on := range row {
			if on {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String()
}

// certificate answers a scan of a code: the signature is checked here, where the key is;
// what the public learns is enforcement's rule.
func (a *App) certificate(c *fiber.Ctx) (enforcement.PublicCertificate, error) {
	cert, err := url.PathUnescape(c.Params("cert"))
	if err != nil || cert == "" || len(cert) > 64 {
		return enforcement.PublicCertificate{}, fault.New(fault.NotFound, "查无此证")
	}
	if err := enforcement.CheckText("cert_no", "执法证号", cert, false); err != nil {
		return enforcement.PublicCertificate{}, err
	}
	sig := enforcement.SignatureAbsent
	if s := c.Query("s"); s != "" {
		sig = enforcement.SignatureInvalid
		if hmac.Equal([]byte(s), []byte(a.certSignature(cert))) {
			sig = enforcement.SignatureValid
		}
	}
	return a.enforcement.CheckCertificate(c.UserContext(), cert, sig)
}

// unknownCert: a number zhifa never issued, scanned or typed without a failed signature
// (a failed signature answers "unverified" whether or not the number exists).
func unknownCert(pc enforcement.PublicCertificate) bool {
	return !pc.Found && pc.Signature != enforcement.SignatureInvalid
}

// publicOfficerList is the portal's officer search, for its page and its JSON.
func (a *App) publicOfficerList(c *fiber.Ctx) (enforcement.List[enforcement.Officer], enforcement.Page, error) {
	p, err := pageOf(c)
	if err != nil {
		return enforcement.List[enforcement.Officer]{}, p, err
	}
	agency, err := uuidQuery(c, "agency_id")
	if err != nil {
		return enforcement.List[enforcement.Officer]{}, p, err
	}
	l, err := a.enforcement.Store.ListOfficers(c.UserContext(), enforcement.OfficerFilter{Scope: enforcement.Scope{Public: true},
		AgencyID: agency, Q: c.Query("q"), Today: a.enforcement.Today(), Page: p})
	return l, p, err
}

// GET /public/api/officers/{cert_no}?s= — never cached: validity is as of this moment.
// A number zhifa never issued answers 404, as any unknown object does; a code whose
// signature fails answers 200 with verdict "unverified", whether or not the number exists.
func (a *App) publicOfficerJSON(c *fiber.Ctx) error {
	pc, err := a.certificate(c)
	if err != nil {
		return err
	}
	if unknownCert(pc) {
		return fault.New(fault.NotFound, "查无此证：本平台没有执法证号为 %s 的执法证", pc.CertNo)
	}
	return c.JSON(pc)
}

// GET /public/officers/{cert_no}?s= — the page a QR code opens.
func (a *App) publicOfficerPage(c *fiber.Ctx) error {
	pc, err := a.certificate(c)
	if err != nil {
		return err
	}
	if unknownCert(pc) {
		c.Status(fiber.StatusNotFound)
	}
	return c.Render("public_officer", a.publicView(c, "执法证查验", fiber.Map{"C": pc}))
}

// GET /public/api/officers?agency_id=&q= — officers as the public may see them.
func (a *App) publicOfficersJSON(c *fiber.Ctx) error {
	l, _, err := a.publicOfficerList(c)
	if err != nil {
		return err
	}
	out := enforcement.List[enforcement.PublicCertificate]{Items: make([]enforcement.PublicCertificate, len(l.Items)), Total: l.Total}
	today := a.enforcement.Today()
	for i, o := range l.Items {
		out.Items[i] = enforcement.CertificateOf(o, today, enforcement.SignatureAbsent)
	}
	return c.JSON(out)
}

// PublicAgency is an agency as the public sees it.
type PublicAgency struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Code       string `json:"code"`
	RegionCode string `json:"region_code"`
	Kind       string `json:"kind"`
	Phone      string `json:"phone"`
}

// GET /public/api/agencies?q=
func (a *App) publicAgenciesJSON(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.enforcement.Store.ListAgencies(c.UserContext(), enforcement.AgencyFilter{Scope: enforcement.Scope{Public: true}, Q: c.Query("q"), Page: p})
	if err != nil {
		return err
	}
	out := enforcement.List[PublicAgency]{Items: make([]PublicAgency, len(l.Items)), Total: l.Total}
	for i, ag := range l.Items {
		out.Items[i] = PublicAgency{ID: ag.ID.String(), Name: ag.Name, Code: ag.Code, RegionCode: ag.RegionCode, Kind: string(ag.Kind), Phone: ag.Phone}
	}
	return c.JSON(out)
}
