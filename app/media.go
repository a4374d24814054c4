package app

import (
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zhifa/enforcement"
	"zhifa/evidence"
	"zhifa/fault"
)

// uploadIdle is how long an upload or a download may stall before the connection is
// dropped; a whole transfer may take as long as bytes keep moving.
const uploadIdle = 2 * time.Minute

func (a *App) mediaRoutes(r fiber.Router) {
	r.Post("/records/:id/media", a.uploadMedia)
	r.Get("/records/:id/media", a.recordMedia)
	r.Post("/records/:id/uploads", a.startUpload)
	r.Post("/cases/:id/uploads", a.startStagedUpload)
	r.Post("/cases/:id/files", a.stageFile)
	r.Get("/uploads/:id", a.uploadStatus)
	r.Post("/uploads/:id/complete", a.completeUpload)
	r.Delete("/uploads/:id", a.abortUpload)
	r.Get("/media/:id", a.downloadMedia)
	r.Get("/media/:id/info", a.mediaInfo)
	r.Get("/media/:id/access-log", a.mediaAccessLog)
	r.Get("/cases/:id/archive", a.caseArchive)
	r.Get("/measures", a.listMeasures)
	r.Post("/cases/:id/measures", a.addMeasure)
	r.Put("/agencies/:id/av-measures", a.setAVMeasures)
}

// idleReader pushes the connection's deadlines forward on every read, so a long
// transfer is cut only when it stalls.
type idleReader struct {
	r    io.Reader
	conn net.Conn
}

func (ir idleReader) Read(p []byte) (int, error) {
	if ir.conn != nil {
		t := time.Now().Add(uploadIdle)
		_ = ir.conn.SetReadDeadline(t)
		_ = ir.conn.SetWriteDeadline(t)
	}
	return ir.r.Read(p)
}

// POST /api/v1/records/{id}/media — the file as the raw body (name in ?filename=, hash
// in X-Content-SHA256) or as the first file of a multipart form.
func (a *App) uploadMedia(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in, err := a.directUpload(c)
	if err != nil {
		return err
	}
	m, err := a.evidence.AddMedia(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}

// directUpload reads a streamed file request: the raw body (name in ?filename=, hash in
// X-Content-SHA256) or the first file of a multipart form.
func (a *App) directUpload(c *fiber.Ctx) (evidence.DirectUpload, error) {
	in := evidence.DirectUpload{Filename: c.Query("filename"), SHA256: c.Get("X-Content-SHA256"), Size: -1}
	if in.SHA256 == "" {
		in.SHA256 = c.Query("sha256")
	}
	var body io.Reader = idleReader{r: c.Context().RequestBodyStream(), conn: c.Context().Conn()}
	ct, params, _ := mime.ParseMediaType(string(c.Request().Header.ContentType()))
	if ct == fiber.MIMEMultipartForm {
		part, err := firstFilePart(multipart.NewReader(body, params["boundary"]))
		if err != nil {
			return in, err
		}
		in.Filename, in.Type, body = part.FileName(), part.Header.Get("Content-Type"), part
	} else {
		in.Type = ct
		if n := c.Request().Header.ContentLength(); n >= 0 {
			in.Size = int64(n)
		}
	}
	in.Body = body
	if err := enforcement.CheckText("filename", "文件名", in.Filename, false); err != nil {
		return in, err
	}
	if in.Size == 0 {
		return in, fault.Field("file", "文件为空")
	}
	return in, nil
}

// firstFilePart skips ordinary fields up to the first file of a form.
func firstFilePart(mr *multipart.Reader) (*multipart.Part, error) {
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, fault.Field("file", "表单中没有文件")
		}
		if err != nil {
			return nil, &fault.Error{Kind: malformed, Message: "表单内容有误", Err: err}
		}
		if p.FileName() != "" {
			return p, nil
		}
	}
}

// GET /api/v1/records/{id}/media
func (a *App) recordMedia(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := a.evidence.FindRecord(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	ms, err := a.evidence.Store.CaseMedia(c.UserContext(), r.CaseID)
	if err != nil {
		return err
	}
	out := []evidence.Media{}
	for _, m := range ms {
		if m.RecordID == id {
			out = append(out, m)
		}
	}
	return c.JSON(enforcement.List[evidence.Media]{Items: out, Total: len(out)})
}

// POST /api/v1/records/{id}/uploads
func (a *App) startUpload(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in evidence.UploadInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	up, err := a.evidence.StartUpload(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(up)
}

// GET /api/v1/uploads/{id} — which parts arrived, and fresh URLs for the rest.
func (a *App) uploadStatus(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	up, err := a.evidence.UploadStatus(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(up)
}

// POST /api/v1/uploads/{id}/complete
func (a *App) completeUpload(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	// Reading back a large video to hash it takes longer than an ordinary request.
	ctx, cancel := contextFor(30 * time.Minute)
	defer cancel()
	done, err := a.evidence.CompleteUpload(ctx, actor(c), id)
	if err != nil {
		return err
	}
	if done.Staged != nil { // checked and ready: the record that names it records it
		return c.JSON(done.Staged)
	}
	return c.Status(fiber.StatusCreated).JSON(done.Media)
}

// POST /api/v1/cases/{id}/uploads — a large file for a record not yet written, in parts
// straight to MinIO; the record names it once complete.
func (a *App) startStagedUpload(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in evidence.UploadInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	up, err := a.evidence.StartStagedUpload(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(up)
}

// POST /api/v1/cases/{id}/files — one file for a record not yet written, as the raw body
// (name in ?filename=) or the first file of a multipart form; checked and kept ready.
func (a *App) stageFile(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in, err := a.directUpload(c)
	if err != nil {
		return err
	}
	up, err := a.evidence.StageFile(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(up)
}

// DELETE /api/v1/uploads/{id}
func (a *App) abortUpload(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := a.evidence.AbortUpload(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// GET /api/v1/media/{id}/info
func (a *App) mediaInfo(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	m, err := a.evidence.FindMedia(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

// GET /api/v1/media/{id} — the bytes of the recorded version, with HTTP ranges so a
// phone can play video. Every request is written to the file's access log first.
func (a *App) downloadMedia(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	m, err := a.evidence.FindMedia(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	off, length, partial, err := parseRange(c.Get(fiber.HeaderRange), m.Size)
	if err != nil {
		c.Set(fiber.HeaderContentRange, "bytes */"+strconv.FormatInt(m.Size, 10))
		return err
	}
	rangeText := ""
	if partial {
		rangeText = strconv.FormatInt(off, 10) + "-" + strconv.FormatInt(off+length-1, 10)
	}
	ctx, cancel := contextFor(0)
	rc, err := a.evidence.OpenMedia(ctx, actor(c), m, evidence.Opening{Action: "download", IP: clientIP(c),
		UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 300), Offset: off, Length: length, RangeText: rangeText})
	if err != nil {
		cancel()
		return err
	}
	c.Set(fiber.HeaderContentType, m.ContentType)
	c.Set(fiber.HeaderAcceptRanges, "bytes")
	c.Set(fiber.HeaderETag, `"`+m.SHA256+`"`)
	c.Set("X-Content-SHA256", m.SHA256)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set(fiber.HeaderContentDisposition, "inline; filename*=UTF-8''"+url.PathEscape(downloadName(m)))
	if partial {
		c.Status(fiber.StatusPartialContent)
		c.Set(fiber.HeaderContentRange, "bytes "+rangeText+"/"+strconv.FormatInt(m.Size, 10))
	}
	body := &closingReader{r: idleReader{r: rc, conn: c.Context().Conn()}, close: func() { rc.Close(); cancel() }}
	return c.SendStream(body, int(length))
}

// closingReader releases the object stream and its context when fasthttp is done.
type closingReader struct {
	r     io.Reader
	close func()
}

func (cr *closingReader) Read(p []byte) (int, error) { return cr.r.Read(p) }
func (cr *closingReader) Close() error {
	cr.close()
	return nil
}

func downloadName(m evidence.Media) string {
	if m.Filename != "" {
		return m.Filename
	}
	ext, _ := mime.ExtensionsByType(m.ContentType)
	name := m.ID.String()
	if len(ext) > 0 {
		name += ext[0]
	}
	return name
}

// parseRange reads one byte range; several ranges or a malformed header mean the whole
// file, as RFC 9110 allows. A range wholly past the end answers 416.
func parseRange(h string, size int64) (off, length int64, partial bool, err error) {
	if !strings.HasPrefix(h, "bytes=") || strings.Contains(h, ",") {
		return 0, size, false, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(h[len("bytes="):]), "-")
	if !ok {
		return 0, size, false, nil
	}
	unsatisfiable := &fault.Error{Kind: rangeNotSatisfiable, Message: "请求的字节范围超出文件大小"}
	if first == "" { // the last n bytes
		n, perr := strconv.ParseInt(last, 10, 64)
		if perr != nil || n <= 0 {
			return 0, size, false, nil
		}
		n = min(n, size)
		return size - n, n, true, nil
	}
	start, perr := strconv.ParseInt(first, 10, 64)
	if perr != nil || start < 0 {
		return 0, size, false, nil
	}
	if start >= size {
		return 0, 0, false, unsatisfiable
	}
	end := size - 1
	if last != "" {
		e, perr := strconv.ParseInt(last, 10, 64)
		if perr != nil || e < start {
			return 0, size, false, nil
		}
		end = min(e, size-1)
	}
	return start, end - start + 1, true, nil
}

// GET /api/v1/media/{id}/access-log
func (a *App) mediaAccessLog(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.evidence.AccessLog(c.UserContext(), actor(c), id, p)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// GET /api/v1/measures — the catalogue of enforcement measures.
func (a *App) listMeasures(c *fiber.Ctx) error {
	return c.JSON(enforcement.List[enforcement.Measure]{Items: enforcement.Measures, Total: len(enforcement.Measures)})
}

// POST /api/v1/cases/{id}/measures
func (a *App) addMeasure(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in enforcement.MeasureInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	cs, err := a.enforcement.AddMeasure(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cs)
}

// PUT /api/v1/agencies/{id}/av-measures
func (a *App) setAVMeasures(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in enforcement.AVMeasuresInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	ag, err := a.enforcement.SetAVMeasures(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(ag)
}
