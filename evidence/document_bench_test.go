package evidence

import (
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"
)

// BenchmarkDocumentPDF sets a three-page 现场检查笔录 with two signatures and its QR code
// (target < 200 ms) beside a one-page
// 送达回证 in the same run, and 50 records at once (target: heap in use < 100 MiB above
// where it started).
func BenchmarkDocumentPDF(b *testing.B) {
	f, err := LoadFonts("", "")
	if err != nil {
		b.Skip("fonts not installed (deploy/fonts.sh): ", err)
	}
	kind := func(code string) DocumentKind {
		for _, in := range DefaultDocumentKinds() {
			if in.Code == code {
				if err := in.Validate(); err != nil {
					b.Fatal(err)
				}
				return DocumentKind{DocumentKindInput: in}
			}
		}
		b.Fatalf("no kind %s", code)
		return DocumentKind{}
	}
	doc := func(k DocumentKind, long string) Document {
		d := Document{State: "draft", UpdatedAt: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
		for _, fd := range k.Fields {
			v := "青山县市场监督管理局"
			if fd.Type == "longtext" {
				v = long
			}
			d.Fields = append(d.Fields, DocumentValue{DocumentField: fd, Value: v})
		}
		return d
	}
	record, receipt := kind("inspection_record"), kind("service_receipt")
	long := strings.Repeat("检查人员对仓库、货架和冷藏设备逐一检查，记录了每批货品的生产日期和保质期，发现三箱过期食品已下架封存。", 15)
	threePages, onePage := doc(record, long), doc(receipt, "无")
	// Two signatures drawn on a 600×200 pad, and the QR code a frozen document carries.
	var sigs []Signature
	for i := range 2 {
		st := Strokes{Width: 600, Height: 200}
		for j := range 6 {
			var s [][2]float64
			for t := range 40 {
				s = append(s, [2]float64{float64(40 + j*90 + t*2), float64(100 + 60*((t+i)%5-2)/2)})
			}
			st.Strokes = append(st.Strokes, s)
		}
		in := SignatureInput{Strokes: &st}
		png, _, err := in.signaturePNG()
		if err != nil {
			b.Fatal(err)
		}
		sigs = append(sigs, Signature{Role: []string{"party", "officer"}[i], Signer: "张三", png: png, CreatedAt: time.Now()})
	}
	qr, err := qrcode.Encode("https://zhifa.example.gov.cn/public/documents/0193a5c2-7f00-7000-8000-000000000001", qrcode.Medium, 256)
	if err != nil {
		b.Fatal(err)
	}
	signed := page{number: "青山市监检〔2026〕12号（现场检查笔录之1）", qr: qr, sigs: sigs, day: "2026年12月2日"}
	pages := func(pdf []byte) int { return strings.Count(string(pdf), "/Type /Page\n") }
	out, err := renderDocumentPDF(f, threePages, record, signed)
	if err != nil {
		b.Fatal(err)
	}
	timed := func(d Document, k DocumentKind) time.Duration {
		start := time.Now()
		for range 20 {
			if _, err := renderDocumentPDF(f, d, k, signed); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start) / 20
	}
	rec, one := timed(threePages, record), timed(onePage, receipt)
	heap := func() float64 {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(s)
		return float64(s[0].Value.Uint64()) / (1 << 20)
	}
	runtime.GC()
	base, top := heap(), 0.0
	var wg sync.WaitGroup
	var mu sync.Mutex
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				mu.Lock()
				top = max(top, heap())
				mu.Unlock()
			}
		}
	}()
	start := time.Now()
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := renderDocumentPDF(f, threePages, record, signed); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	close(stop)
	all := time.Since(start)
	mu.Lock()
	b.Logf("a %d-page record: %.1f ms (target < 200 ms); a one-page receipt: %.1f ms; ratio %.1f; 50 records at once: %.0f ms, heap in use %.1f MiB above the %.1f MiB before (target < 100 MiB)",
		pages(out), float64(rec.Microseconds())/1000, float64(one.Microseconds())/1000, float64(rec)/float64(one), float64(all.Milliseconds()), top-base, base)
	mu.Unlock()
	for b.Loop() {
		if _, err := renderDocumentPDF(f, threePages, record, signed); err != nil {
			b.Fatal(err)
		}
	}
}
