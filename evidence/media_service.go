package evidence

import (
	"bytes"
	"context"
	"errors"
	"io"
	"time"

	"github.com/google/uuid"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Upload timing: a direct upload that has not finished after a day is abandoned; a
// multipart one may be resumed for two days, as long as its part URLs last.
const (
	directUploadTTL    = 24 * time.Hour
	multipartUploadTTL = 48 * time.Hour
	minPartSize        = 8 << 20
	maxParts           = 10000
)

// cleanupCtx outlives the request that failed, so cleaning up after it still happens.
func cleanupCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// attachableRecord finds the record a file goes under and checks that the actor may add
// evidence to its case now.
func (s *Service) attachableRecord(ctx context.Context, a enforcement.Actor, recordID uuid.UUID) (Record, error) {
	rec, err := s.Store.Find(ctx, recordID)
	if err != nil {
		return rec, err
	}
	c, err := s.Cases.CaseInScope(ctx, a, rec.CaseID)
	if err != nil {
		return rec, fault.HideAs(err, "记录不存在")
	}
	if err := a.RequireHandler(c); err != nil {
		return rec, err
	}
	if err := openForEvidence(c.State); err != nil {
		return rec, err
	}
	if systemKinds[rec.Kind] {
		return rec, fault.New(fault.Conflict, "证据文件应附在执法人员的记录下，不能附在系统记录下")
	}
	return rec, nil
}

// openForEvidence refuses files for a case that is closed, archived, withdrawn or
// transferred: its file is complete.
func openForEvidence(st enforcement.State) error {
	if !st.Open() {
		return fault.New(fault.Conflict, "案件已%s，不能再添加证据", st.Label())
	}
	return nil
}

// DirectUpload is a file sent in one request body.
type DirectUpload struct {
	Filename string
	Type     string // what the client says the file is; checked against its bytes
	Size     int64  // from Content-Length; -1 when unknown
	SHA256   string
	Body     io.Reader
}

// AddMedia streams a file into MinIO, hashing it on the way, and records it. On any
// failure nothing stays behind: no media row, no visible object.
func (s *Service) AddMedia(ctx context.Context, a enforcement.Actor, recordID uuid.UUID, in DirectUpload) (Media, error) {
	rec, err := s.attachableRecord(ctx, a, recordID)
	if err != nil {
		return Media{}, err
	}
	return s.addMedia(ctx, a, rec, in, true)
}

// ImportMedia attaches a file on behalf of a trusted caller (the demo seed, a data
// import), without the handler check and to cases already closed, whose files predate
// the import; everything else is as for AddMedia.
func (s *Service) ImportMedia(ctx context.Context, uploader enforcement.Actor, recordID uuid.UUID, in DirectUpload) (Media, error) {
	rec, err := s.Store.Find(ctx, recordID)
	if err != nil {
		return Media{}, err
	}
	return s.addMedia(ctx, uploader, rec, in, false)
}

// addMedia stores and records a file; openOnly refuses it if the case has closed by the
// time the bytes are in.
func (s *Service) addMedia(ctx context.Context, a enforcement.Actor, rec Record, in DirectUpload, openOnly bool) (Media, error) {
	var err error
	if in.SHA256, err = CheckSHA256(in.SHA256); err != nil {
		return Media{}, err
	}
	if in.Size > s.Limit {
		return Media{}, s.tooLarge()
	}
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(in.Body, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return Media{}, fault.Wrap(err, fault.Invalid, "上传中断，请重试")
	}
	head = head[:n]
	ct, err := Sniff(head)
	if err != nil {
		return Media{}, err
	}
	if err := CheckDeclared(in.Type, ct); err != nil {
		return Media{}, err
	}
	now := s.Now().UTC().Truncate(time.Microsecond)
	id := uuid.New()
	up := Upload{ID: uuid.New(), RecordID: &rec.ID, CaseID: rec.CaseID, Filename: CleanFilename(in.Filename),
		ContentType: ct, Size: max(in.Size, 0), SHA256: in.SHA256, CreatedBy: a.UserID, CreatedAt: now,
		ExpiresAt: now.Add(directUploadTTL), kind: "direct", objectKey: objectKey(rec.CaseID, rec.ID, id)}
	if err := s.Store.AddUpload(ctx, &up); err != nil {
		return Media{}, err
	}
	hr := newHashingReader(io.MultiReader(bytes.NewReader(head), in.Body), s.Limit)
	version, err := s.Objects.Put(ctx, up.objectKey, hr, in.Size, ct)
	if err != nil {
		s.discard(ctx, &up, "")
		switch {
		case errors.Is(err, errTooLarge) || hr.n > s.Limit:
			return Media{}, s.tooLarge()
		case hr.err != nil:
			return Media{}, fault.Wrap(hr.err, fault.Invalid, "上传中断，文件未保存，请重试")
		}
		return Media{}, err
	}
	if in.Size >= 0 && hr.n != in.Size {
		s.discard(ctx, &up, version)
		return Media{}, fault.Field("file", "收到 %d 字节，与声明的 %d 字节不符，文件未保存", hr.n, in.Size)
	}
	m := Media{ID: id, RecordID: rec.ID, CaseID: rec.CaseID, ObjectKey: up.objectKey, VersionID: version,
		Filename: up.Filename, ContentType: ct, Size: hr.n, SHA256: hr.sum(), SM3: hr.sumSM3(), UploadedBy: a.UserID, CreatedAt: now}
	if in.SHA256 != "" && in.SHA256 != m.SHA256 {
		s.discard(ctx, &up, version)
		return Media{}, fault.Field("sha256", "文件内容的 SHA-256 为 %s，与声明的不符，文件未保存", m.SHA256)
	}
	return m, s.record(ctx, a, &m, rec, &up, openOnly)
}

func (s *Service) tooLarge() error {
	return fault.New(fault.TooLarge, "文件超过 %s 的上限", humanSize(s.Limit))
}

// record writes the media row and attachment record, then locks the object. A failed
// write removes the object; a failed lock is retried by the sweeper.
func (s *Service) record(ctx context.Context, a enforcement.Actor, m *Media, rec Record, up *Upload, openOnly bool) error {
	if m.Size == 0 {
		s.discard(ctx, up, m.VersionID)
		return fault.Field("file", "文件为空")
	}
	if err := s.Store.Attach(ctx, m, rec, up.ID, a.Name, openOnly); err != nil {
		s.discard(ctx, up, m.VersionID)
		return err
	}
	s.lock(ctx, m)
	return nil
}

// lock sets the retention on a recorded file; failure leaves it for the sweeper.
func (s *Service) lock(ctx context.Context, m *Media) {
	if s.Objects.Retention <= 0 {
		return
	}
	until := m.CreatedAt.Add(s.Objects.Retention)
	if err := s.Objects.Lock(ctx, m.ObjectKey, m.VersionID, until); err != nil {
		s.warn("retention lock failed; the sweeper retries", err)
		return
	}
	if err := s.Store.MarkRetained(ctx, m.ID, until); err != nil {
		s.warn("retention lock not noted; the sweeper retries", err)
		return
	}
	m.RetainedUntil = &until
}

// discard removes what a failed upload wrote. If MinIO or PostgreSQL cannot be reached
// now, the upload row stays and the sweeper finishes the job.
func (s *Service) discard(ctx context.Context, up *Upload, version string) {
	ctx, cancel := cleanupCtx(ctx)
	defer cancel()
	if err := s.Objects.Remove(ctx, up.objectKey, version); err != nil {
		s.warn("removing a failed upload; the sweeper retries", err)
		return
	}
	if err := s.Store.DeleteUpload(ctx, up.ID); err != nil {
		s.warn("forgetting a failed upload; the sweeper retries", err)
	}
}

func (s *Service) warn(msg string, err error) {
	if s.Warn != nil {
		s.Warn(msg, err)
	}
}

// StartUpload begins a multipart upload that a phone fills straight into MinIO, part by
// part, and can resume after a dropped connection.
func (s *Service) StartUpload(ctx context.Context, a enforcement.Actor, recordID uuid.UUID, in UploadInput) (Upload, error) {
	rec, err := s.attachableRecord(ctx, a, recordID)
	if err != nil {
		return Upload{}, err
	}
	id := uuid.New()
	return s.startMultipart(ctx, a, Upload{RecordID: &rec.ID, CaseID: rec.CaseID, objectKey: objectKey(rec.CaseID, rec.ID, id)}, in)
}

// startMultipart checks what the client says of a file and opens its multipart upload
// at up's object key, under its record or staged for one.
func (s *Service) startMultipart(ctx context.Context, a enforcement.Actor, up Upload, in UploadInput) (Upload, error) {
	var err error
	switch {
	case in.Size <= 0:
		return Upload{}, fault.Field("size", "请填写文件大小（字节）")
	case in.Size > s.Limit:
		return Upload{}, s.tooLarge()
	// Phones do not always know a file's type (HEIC, AMR); the bytes decide at completion.
	case in.ContentType != "" && in.ContentType != "application/octet-stream" && !AllowedDeclared(in.ContentType):
		return Upload{}, fault.Field("content_type", "文件类型应为 %s 之一", AllowedTypesText)
	}
	if in.SHA256, err = CheckSHA256(in.SHA256); err != nil {
		return Upload{}, err
	}
	partSize := int64(minPartSize)
	for (in.Size+partSize-1)/partSize > maxParts {
		partSize *= 2
	}
	now := s.Now().UTC().Truncate(time.Microsecond)
	up.ID, up.Filename, up.ContentType, up.Size, up.PartSize, up.SHA256 = uuid.New(), CleanFilename(in.Filename), in.ContentType, in.Size, partSize, in.SHA256
	up.CreatedBy, up.CreatedAt, up.ExpiresAt, up.kind = a.UserID, now, now.Add(multipartUploadTTL), "multipart"
	if err := s.Store.AddUpload(ctx, &up); err != nil {
		return Upload{}, err
	}
	if up.minioID, err = s.Objects.StartMultipart(ctx, up.objectKey, up.ContentType); err != nil {
		s.discard(ctx, &up, "")
		return Upload{}, err
	}
	if err := s.Store.SetUploadMinIOID(ctx, up.ID, up.minioID); err != nil {
		s.discard(ctx, &up, "")
		return Upload{}, err
	}
	return up, s.signParts(ctx, &up, nil)
}

// signParts fills in URLs for the parts that have not arrived.
func (s *Service) signParts(ctx context.Context, up *Upload, received []Part) error {
	have := map[int]bool{}
	for _, p := range received {
		have[p.Number] = true
	}
	up.Received = received
	if up.Received == nil {
		up.Received = []Part{}
	}
	up.Parts = []PartURL{}
	for n := 1; n <= up.PartCount(); n++ {
		if have[n] {
			continue
		}
		u, err := s.Objects.PartURL(ctx, up.objectKey, up.minioID, n, time.Until(up.ExpiresAt))
		if err != nil {
			return err
		}
		up.Parts = append(up.Parts, PartURL{Number: n, URL: u})
	}
	return nil
}

// ownUpload returns an upload its starter (or another handler of the case) may go on with.
func (s *Service) ownUpload(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Upload, error) {
	up, err := s.Store.FindUpload(ctx, id)
	if err != nil {
		return up, err
	}
	if up.RecordID == nil {
		if _, err := s.attachableLate(ctx, a, up.CaseID, up.Offline); err != nil {
			return up, fault.HideAs(err, "上传不存在，可能已完成、已取消或已过期")
		}
	} else if _, err := s.attachableRecord(ctx, a, *up.RecordID); err != nil {
		return up, fault.HideAs(err, "上传不存在，可能已完成、已取消或已过期")
	}
	if up.kind != "multipart" && !up.Ready { // a direct upload still streaming is its request's own
		return up, fault.New(fault.NotFound, "上传不存在")
	}
	return up, nil
}

// UploadStatus says which parts MinIO holds and signs the rest again, so a client that
// lost its connection resumes without resending what arrived.
func (s *Service) UploadStatus(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Upload, error) {
	up, err := s.ownUpload(ctx, a, id)
	if err != nil || up.Ready {
		return up, err
	}
	parts, err := s.Objects.Parts(ctx, up.objectKey, up.minioID)
	if err != nil {
		return up, err
	}
	return up, s.signParts(ctx, &up, parts)
}

// Completion is what finishing an upload made: the recorded file, or a staged file
// ready for the record that will name it.
type Completion struct {
	Media  *Media
	Staged *Upload
}

// CompleteUpload joins the parts, checks the size, the type and the hash of what MinIO
// now holds, and records it under its record, or keeps it ready for the record to come.
// A mismatch removes the object.
func (s *Service) CompleteUpload(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Completion, error) {
	up, err := s.ownUpload(ctx, a, id)
	if err != nil {
		return Completion{}, err
	}
	if up.Ready {
		return Completion{Staged: &up}, nil // already complete: a retry after a lost answer
	}
	var rec Record
	if up.RecordID != nil {
		if rec, err = s.Store.Find(ctx, *up.RecordID); err != nil {
			return Completion{}, err
		}
	}
	parts, err := s.Objects.Parts(ctx, up.objectKey, up.minioID)
	if err != nil {
		return Completion{}, err
	}
	var total int64
	missing := []int{}
	have := map[int]bool{}
	for _, p := range parts {
		have[p.Number] = true
		total += p.Size
	}
	for n := 1; n <= up.PartCount(); n++ {
		if !have[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return Completion{}, fault.New(fault.Conflict, "还有 %d 个分片未上传（第 %v 片），请续传后再完成", len(missing), missing)
	}
	if total != up.Size || len(parts) != up.PartCount() {
		return Completion{}, fault.New(fault.Conflict, "已收到 %d 字节，与声明的 %d 字节不符；请取消后重新上传", total, up.Size)
	}
	version, err := s.Objects.Complete(ctx, up.objectKey, up.minioID, parts)
	if err != nil {
		if fault.KindOf(err) == fault.NotFound {
			return Completion{}, fault.New(fault.Conflict, "上传已完成或已取消")
		}
		return Completion{}, err
	}
	m, err := s.checkStored(ctx, &up, version)
	if err != nil {
		s.discard(ctx, &up, version)
		return Completion{}, err
	}
	if up.RecordID == nil {
		return s.ready(ctx, &up, m)
	}
	return Completion{Media: &m}, s.record(ctx, a, &m, rec, &up, true)
}

// checkStored reads back what MinIO assembled: type from its first bytes, size and hash
// from all of them.
func (s *Service) checkStored(ctx context.Context, up *Upload, version string) (Media, error) {
	rc, err := s.Objects.Open(ctx, up.objectKey, version, 0, -1)
	if err != nil {
		return Media{}, err
	}
	defer rc.Close()
	hr := newHashingReader(rc, s.Limit)
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(hr, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return Media{}, objectError(err, "证据文件")
	}
	ct, err := Sniff(head[:n])
	if err != nil {
		return Media{}, err
	}
	if err := CheckDeclared(up.ContentType, ct); err != nil {
		return Media{}, err
	}
	if _, err := io.Copy(io.Discard, hr); err != nil {
		return Media{}, objectError(err, "证据文件")
	}
	m := Media{ID: mediaIDOf(up.objectKey), CaseID: up.CaseID, ObjectKey: up.objectKey,
		VersionID: version, Filename: up.Filename, ContentType: ct, Size: hr.n, SHA256: hr.sum(), SM3: hr.sumSM3(),
		UploadedBy: up.CreatedBy, CreatedAt: s.Now().UTC().Truncate(time.Microsecond)}
	if up.RecordID != nil {
		m.RecordID = *up.RecordID
	}
	if m.Size != up.Size {
		return m, fault.Field("size", "收到 %d 字节，与声明的 %d 字节不符，文件未保存", m.Size, up.Size)
	}
	if up.SHA256 != "" && up.SHA256 != m.SHA256 {
		return m, fault.Field("sha256", "文件内容的 SHA-256 为 %s，与声明的不符，文件未保存", m.SHA256)
	}
	return m, nil
}

// AbortUpload cancels an upload and removes its parts.
func (s *Service) AbortUpload(ctx context.Context, a enforcement.Actor, id uuid.UUID) error {
	up, err := s.ownUpload(ctx, a, id)
	if err != nil {
		return err
	}
	if err := s.Objects.Remove(ctx, up.objectKey, ""); err != nil {
		return err
	}
	return s.Store.DeleteUpload(ctx, up.ID)
}

// SweepResult says what one sweep cleaned.
type SweepResult struct {
	UploadsRemoved int `json:"uploads_removed"`
	Locked         int `json:"locked"`
}

// Sweep removes abandoned uploads (their parts and any object they left) and sets the
// retention lock on files whose lock failed when they were recorded.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	now := s.Now()
	ups, err := s.Store.ExpiredUploads(ctx, now, 500)
	if err != nil {
		return res, err
	}
	for i := range ups {
		if err := s.Objects.Remove(ctx, ups[i].objectKey, ""); err != nil {
			return res, err
		}
		if err := s.Store.DeleteUpload(ctx, ups[i].ID); err != nil {
			return res, err
		}
		res.UploadsRemoved++
	}
	if s.Objects.Retention <= 0 {
		return res, nil
	}
	ms, err := s.Store.Unretained(ctx, now.Add(-time.Minute), 500)
	if err != nil {
		return res, err
	}
	for i := range ms {
		s.lock(ctx, &ms[i])
		if ms[i].RetainedUntil != nil {
			res.Locked++
		}
	}
	n, err := s.retainDocuments(ctx, now.Add(-time.Minute))
	res.Locked += n
	return res, err
}

// MediaOfCase lists a case's files for anyone who may read it.
func (s *Service) MediaOfCase(ctx context.Context, a enforcement.Actor, caseID uuid.UUID) ([]Media, error) {
	if _, err := s.Cases.CaseReadable(ctx, a, caseID); err != nil {
		return nil, err
	}
	return s.Store.CaseMedia(ctx, caseID)
}

// FindMedia returns a file's details for anyone who may see its case.
func (s *Service) FindMedia(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Media, error) {
	m, err := s.Store.FindMedia(ctx, id)
	if err != nil {
		return m, err
	}
	if _, err := s.Cases.CaseReadable(ctx, a, m.CaseID); err != nil {
		return Media{}, fault.HideAs(err, "证据文件不存在")
	}
	return m, nil
}

// Opening says who opens a file and from where, for the access log.
type Opening struct {
	Action    string
	IP        string
	UserAgent string
	// Range is the requested bytes; Length < 0 means to the end.
	Offset, Length int64
	RangeText      string
}

// OpenMedia logs the access and then streams the file's recorded version. No log line,
// no bytes.
func (s *Service) OpenMedia(ctx context.Context, a enforcement.Actor, m Media, o Opening) (io.ReadCloser, error) {
	uid := a.UserID
	err := s.Store.LogAccess(ctx, Access{MediaID: m.ID, UserID: &uid, Username: a.Username, Action: o.Action,
		ByteRange: o.RangeText, IP: o.IP, UserAgent: o.UserAgent})
	if err != nil {
		return nil, err
	}
	return s.Objects.Open(ctx, m.ObjectKey, m.VersionID, o.Offset, o.Length)
}

// AccessLog shows who opened a file.
func (s *Service) AccessLog(ctx context.Context, a enforcement.Actor, id uuid.UUID, p enforcement.Page) (enforcement.List[Access], error) {
	if _, err := s.FindMedia(ctx, a, id); err != nil {
		return enforcement.List[Access]{}, err
	}
	return s.Store.AccessLog(ctx, id, p)
}
