package app_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/png"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

var certURLRe = regexp.MustCompile(`<a href="(http[^"]+/public/officers/[^"]+)">`)

// certURL reads the URL an officer's QR code holds off their card page.
func certURL(t *testing.T, s *server, officer string) string {
	t.Helper()
	b, _ := webLogin(t, s, "admin")
	m := certURLRe.FindStringSubmatch(string(s.get(b, "/officers/"+officer+"/card").Body))
	if m == nil {
		t.Fatal("card page shows no QR URL")
	}
	u, _ := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	return u.Path + "?" + u.RawQuery
}

func TestCertificateQRAndPublicCheck(t *testing.T) {
	s := start(t)
	f := fixture(s)
	for _, ext := range []string{"png", "svg"} {
		r := s.call("GET", "/api/v1/officers/"+f.o1+"/qr."+ext, f.tok, nil)
		if r.Status != 200 || (ext == "png" && !strings.HasPrefix(string(r.Body), "\x89PNG")) || (ext == "svg" && !strings.Contains(string(r.Body), "<svg")) {
			t.Errorf("qr.%s = %d %q", ext, r.Status, r.Header.Get("Content-Type"))
		}
	}
	if r := s.call("GET", "/api/v1/officers/"+f.o1+"/qr.png", "", nil); r.Status != 401 {
		t.Errorf("QR without login = %d", r.Status)
	}
	path := certURL(t, s, f.o1)
	pc := s.public(strings.Replace(path, "/public/officers/", "/public/api/officers/", 1)).JSON()
	if pc["valid_today"] != true || pc["signature"] != "valid" || pc["name"] != "李明" || pc["status_text"] != "有效" {
		t.Errorf("public check = %v", pc)
	}
	for k := range pc {
		if k == "id_number" || k == "phone" || k == "address" {
			t.Errorf("public check exposes %s", k)
		}
	}
	// An altered signature, and a number that was never issued.
	forged := path[:len(path)-1] + map[bool]string{true: "B", false: "A"}[strings.HasSuffix(path, "A")]
	if body := string(s.public(forged).Body); !strings.Contains(body, "可能是伪造的") {
		t.Error("altered code not recognised")
	}
	sig := path[strings.Index(path, "?s=")+3:]
	if body := string(s.public("/public/officers/FAKE-0001?s=" + sig).Body); !strings.Contains(body, "无法核验") || !strings.Contains(body, "可能是伪造的") {
		t.Error("a code for an unknown number is not shown as unverified and forged")
	}
	// A lapsed certificate is shown as such.
	admin := s.login("admin")
	lapsed := items(s.call("GET", "/api/v1/officers?status=expired&page_size=1", admin, nil))[0]["id"].(string)
	if body := string(s.public(certURL(t, s, lapsed)).Body); !strings.Contains(body, "已过期") || strings.Contains(body, `class="verdict">有效`) {
		t.Error("expired certificate page")
	}
	if l := items(s.public("/public/api/officers?q=" + url.QueryEscape("李明"))); len(l) == 0 || l[0]["cert_no"] == "" {
		t.Errorf("public officer list = %v", l)
	}
	if total(s.public("/public/api/agencies")) < 50 {
		t.Error("public agency list is short")
	}
}

// The QR code's URL opened on a phone: the page says at a glance that the certificate is valid.
func TestBrowserOpensCertificateFromQR(t *testing.T) {
	s := start(t)
	f := fixture(s)
	path := certURL(t, s, f.o1)
	ctx := browserContext(t)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile),
		chromedp.Navigate(s.URL+path),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=cert-verdict]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	v := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.verdict`))))
	if strings.TrimSpace(v) != "有效" {
		t.Errorf("verdict = %q", v)
	}
	width := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)))
	if width > 390 {
		t.Errorf("certificate page is %d px wide", width)
	}
}

// A forged code opened on a phone: the first thing the screen says is 无法核验, in red,
// with the number to call one tap away; nothing on it says 有效.
func TestBrowserForgedCertificateOnPhone(t *testing.T) {
	s := start(t)
	f := fixture(s)
	path := certURL(t, s, f.o1)
	forged := path[:len(path)-1] + map[bool]string{true: "B", false: "A"}[strings.HasSuffix(path, "A")]
	ctx := browserContext(t)
	axe := loadAxe(t)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile),
		chromedp.Navigate(s.URL+forged),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=cert-call]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	verdict := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.verdict`))))
	main := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`))))
	bg := must(chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.cert-check')).backgroundColor`)))
	callBottom := must(chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('[data-testid=cert-call]').getBoundingClientRect().bottom`)))
	width := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)))
	if strings.TrimSpace(verdict) != "无法核验" || strings.Contains(main, "有效") {
		t.Errorf("verdict %q; page text %q", verdict, main)
	}
	if !strings.HasPrefix(bg, "rgb(") || bg == "rgba(0, 0, 0, 0)" || !redder(bg) {
		t.Errorf("verdict background %q, want the red of a bad result", bg)
	}
	if callBottom > 844 {
		t.Errorf("the number to call is below the first screen (bottom at %.0f px)", callBottom)
	}
	if width > 390 {
		t.Errorf("page is %d px wide on a 390 px screen", width)
	}
	checkAxe(t, ctx, axe, forged)
	if dir := os.Getenv("ZHIFA_SCREENSHOTS"); dir != "" {
		if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			_ = os.WriteFile(dir+"/certificate-forged.png", shot, 0o644)
		}
	}
}

// redder reports whether an rgb() colour is mostly red.
func redder(rgb string) bool {
	var r, g, b int
	if _, err := fmt.Sscanf(rgb, "rgb(%d, %d, %d)", &r, &g, &b); err != nil {
		return false
	}
	return r > 150 && r > 2*g && r > 2*b
}

// The code printed on a certificate, decoded as a phone would: it holds the public URL of
// the certificate with a signature that the public check accepts. Both the PNG and the
// SVG are read back (the SVG drawn to pixels from its unit squares).
func TestCertificateQRCodeDecodes(t *testing.T) {
	s := start(t)
	f := fixture(s)
	me := s.call("GET", "/api/v1/officers/"+f.o1, f.tok, nil).JSON()
	cert := me["cert_no"].(string)
	png := s.call("GET", "/api/v1/officers/"+f.o1+"/qr.png", f.tok, nil).Body
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		t.Fatalf("qr.png is not an image: %v", err)
	}
	svg := s.call("GET", "/api/v1/officers/"+f.o1+"/qr.svg", f.tok, nil).Body
	for name, img := range map[string]image.Image{"png": img, "svg": svgToImage(t, svg)} {
		text := decodeQR(t, img)
		u, err := url.Parse(text)
		if err != nil || u.Scheme+"://"+u.Host != "http://localhost:8080" || u.Path != "/public/officers/"+cert || len(u.Query().Get("s")) != 22 {
			t.Errorf("qr.%s holds %q, want the public URL of certificate %s with a 22-character signature", name, text, cert)
			continue
		}
		j := s.public(strings.Replace(u.Path, "/public/officers/", "/public/api/officers/", 1) + "?" + u.RawQuery).JSON()
		if j["signature"] != "valid" || j["verdict"] != "valid" || j["cert_no"] != cert {
			t.Errorf("the URL in qr.%s checks as %v", name, j)
		}
	}
}

func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	// A code drawn alone (the SVG's squares) is read as a pure barcode, module by module:
	// searched for finder patterns, a few codes' dimension was misjudged (43) and the
	// test was flaky. An image with more in it (the PNG's label) is searched.
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		res, err = qrcode.NewQRCodeReader().Decode(bmp, nil)
	}
	if err != nil {
		t.Fatalf("decode QR: %v", err)
	}
	return res.GetText()
}

var svgSquareRe = regexp.MustCompile(`M(\d+) (\d+)h1v1h-1z`)
var svgViewBoxRe = regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`)

// svgToImage draws the unit squares of zhifa's QR SVG at 8 px a module, with the quiet
// zone a reader needs.
func svgToImage(t *testing.T, svg []byte) image.Image {
	t.Helper()
	vb := svgViewBoxRe.FindSubmatch(svg)
	if vb == nil {
		t.Fatalf("SVG without a viewBox: %.200s", svg)
	}
	n, _ := strconv.Atoi(string(vb[1]))
	const scale, quiet = 8, 4
	img := image.NewGray(image.Rect(0, 0, (n+2*quiet)*scale, (n+2*quiet)*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	squares := svgSquareRe.FindAllSubmatch(svg, -1)
	if len(squares) < n {
		t.Fatalf("SVG holds %d squares for a %d-module code", len(squares), n)
	}
	for _, m := range squares {
		x, _ := strconv.Atoi(string(m[1]))
		y, _ := strconv.Atoi(string(m[2]))
		for dy := range scale {
			for dx := range scale {
				img.SetGray((x+quiet)*scale+dx, (y+quiet)*scale+dy, color.Gray{})
			}
		}
	}
	return img
}
