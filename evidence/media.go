package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"github.com/emmansun/gmsm/sm3"
	"hash"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
	"github.com/google/uuid"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Media is one evidence file (photo, audio, video, scanned document) kept in MinIO under
// a record. Its hash, size and type are also written into the case's chain.
type Media struct {
	ID            uuid.UUID  `json:"id"`
	RecordID      uuid.UUID  `json:"record_id"`
	CaseID        uuid.UUID  `json:"case_id"`
	AttachmentID  uuid.UUID  `json:"attachment_id"`
	ObjectKey     string     `json:"-"`
	VersionID     string     `json:"-"`
	Filename      string     `json:"filename"`
	ContentType   string     `json:"content_type"`
	Size          int64      `json:"size"`
	SHA256        string     `json:"sha256"`
	SM3           string     `json:"sm3"` // empty for files recorded before SM3
	UploadedBy    uuid.UUID  `json:"uploaded_by"`
	CreatedAt     time.Time  `json:"created_at"`
	RetainedUntil *time.Time `json:"retained_until"`
}

// AudioVideo reports whether the file is a sound or moving-picture recording.
func (m *Media) AudioVideo() bool {
	return strings.HasPrefix(m.ContentType, "audio/") || strings.HasPrefix(m.ContentType, "video/")
}

// allowedTypes are the evidence formats phones and scanners produce. Each entry is the
// type stored; mimetype also knows their aliases (audio/x-m4a, image/heif, ...).
var allowedTypes = []struct{ mime, label string }{
	{"image/jpeg", "JPEG"}, {"image/png", "PNG"}, {"image/heic", "HEIC"}, {"image/heif", "HEIF"},
	{"video/mp4", "MP4"}, {"video/quicktime", "MOV"}, {"audio/x-m4a", "M4A"}, {"audio/mp4", "M4A"},
	{"audio/aac", "AAC"}, {"audio/mpeg", "MP3"}, {"audio/amr", "AMR"}, {"audio/wav", "WAV"},
	{"application/pdf", "PDF"},
}

// AllowedTypesText lists the formats for error messages and the upload page.
const AllowedTypesText = "JPEG、PNG、HEIC、MP4、MOV、M4A/AAC、MP3、AMR、WAV、PDF"

// SniffLen is how many leading bytes are read to recognise a file.
const SniffLen = 3072

// Sniff recognises a file from its first bytes and returns its type when it is on the
// allow-list. What the client says the type is does not count.
func Sniff(head []byte) (string, error) {
	if len(head) == 0 {
		return "", fault.Field("file", "文件为空")
	}
	m := mimetype.Detect(head)
	for ; m != nil; m = m.Parent() {
		for _, t := range allowedTypes {
			if m.Is(t.mime) {
				return canonicalType(t.mime), nil
			}
		}
	}
	return "", fault.Field("file", "文件内容不是允许的格式（识别为 %s），只接受 %s", mimetype.Detect(head).String(), AllowedTypesText)
}

// AllowedDeclared reports whether a type a client declares for a multipart upload is on
// the allow-list; the bytes are sniffed again when the upload completes.
func AllowedDeclared(t string) bool {
	t = normalType(t)
	for _, a := range allowedTypes {
		if mimetype.Lookup(a.mime) != nil && mimetype.Lookup(a.mime).Is(t) {
			return true
		}
	}
	return false
}

// normalType lowers a declared type, drops its parameters and maps the common
// non-standard names phones and browsers send.
func normalType(t string) string {
	t = strings.ToLower(strings.TrimSpace(strings.SplitN(t, ";", 2)[0]))
	if std, ok := map[string]string{"image/jpg": "image/jpeg", "audio/mp3": "audio/mpeg", "audio/m4a": "audio/mp4"}[t]; ok {
		return std
	}
	return t
}

// sameFamilies are types that one container format carries under different names, so a
// phone's label and the sniffed type may differ without the file being something else.
var sameFamilies = [][]string{{"video/mp4", "video/quicktime"}, {"audio/mp4", "audio/x-m4a", "audio/aac"}, {"image/heic", "image/heif"}}

// CheckDeclared refuses a file whose bytes are not the type the client declared. No
// declaration, or a generic one, leaves the decision to the bytes.
func CheckDeclared(declared, sniffed string) error {
	declared = normalType(declared)
	switch declared {
	case "", "application/octet-stream", "multipart/form-data", "binary/octet-stream":
		return nil
	}
	if m := mimetype.Lookup(sniffed); m != nil && m.Is(declared) || canonicalType(declared) == sniffed {
		return nil
	}
	for _, fam := range sameFamilies {
		if slices.Contains(fam, declared) && slices.Contains(fam, sniffed) {
			return nil
		}
	}
	return fault.Field("file", "文件内容为 %s，与声明的类型 %s 不符，文件未保存", sniffed, declared)
}

// canonicalType stores M4A under one name whichever alias was recognised.
func canonicalType(t string) string {
	if t == "audio/x-m4a" {
		return "audio/mp4"
	}
	return t
}

var sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)

// CheckSHA256 normalises a client's declared hash; empty means none was declared.
func CheckSHA256(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s != "" && !sha256Re.MatchString(s) {
		return "", fault.Field("sha256", "SHA-256 应为 64 位十六进制数")
	}
	return s, nil
}

// CleanFilename keeps the last path element of a client's file name, printable and short.
// The handlers refuse names with control or invisible characters; any that reach here
// another way are dropped, since "photo\u202egnp.exe" would show as "photoexe.png".
func CleanFilename(name string) string {
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(enforcement.StripUnsafe(name)), "\\", "/"))
	name = strings.ReplaceAll(name, `"`, "")
	if name == "." || name == "/" {
		name = ""
	}
	for utf8.RuneCountInString(name) > 120 {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	return name
}

// errTooLarge ends a stream that passed the size limit.
var errTooLarge = errors.New("upload exceeds limit")

// hashingReader hashes every byte read, in SHA-256 and SM3, and stops with errTooLarge
// past limit bytes. SM3 runs beside the reader on another core, a piece at a time and in
// order, so the slower of the two digests does not slow the upload by its whole cost; at
// most smSlots pieces wait for it.
type hashingReader struct {
	r     io.Reader
	h     hash.Hash
	sm    hash.Hash
	n     int64
	limit int64
	err   error // the first error of the underlying reader other than EOF

	slots chan struct{}
	last  chan struct{} // closed when the newest piece has been hashed
}

const (
	smPiece = 1 << 20
	smSlots = 8
)

var smBuffers = sync.Pool{New: func() any { b := make([]byte, smPiece); return &b }}

func newHashingReader(r io.Reader, limit int64) *hashingReader {
	return &hashingReader{r: r, h: sha256.New(), sm: sm3.New(), limit: limit, slots: make(chan struct{}, smSlots)}
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	hr.feedSM3(p[:n])
	hr.n += int64(n)
	if hr.n > hr.limit {
		return n, errTooLarge
	}
	if err != nil && err != io.EOF && hr.err == nil {
		hr.err = err
	}
	return n, err
}

// feedSM3 hands b to the SM3 digest in pieces; each piece waits for the one before it,
// and every goroutine ends on its own even if the reader is abandoned.
func (hr *hashingReader) feedSM3(b []byte) {
	for len(b) > 0 {
		k := min(len(b), smPiece)
		hr.slots <- struct{}{}
		buf := smBuffers.Get().(*[]byte)
		piece := (*buf)[:copy(*buf, b[:k])]
		prev, done := hr.last, make(chan struct{})
		hr.last = done
		go func() {
			if prev != nil {
				<-prev
			}
			hr.sm.Write(piece)
			smBuffers.Put(buf)
			<-hr.slots
			close(done)
		}()
		b = b[k:]
	}
}

func (hr *hashingReader) sum() string { return hex.EncodeToString(hr.h.Sum(nil)) }

func (hr *hashingReader) sumSM3() string {
	if hr.last != nil {
		<-hr.last
	}
	return hex.EncodeToString(hr.sm.Sum(nil))
}

// Access is one opening of an evidence file.
type Access struct {
	ID        int64      `json:"id"`
	MediaID   uuid.UUID  `json:"media_id"`
	UserID    *uuid.UUID `json:"user_id"`
	Username  string     `json:"username"`
	Action    string     `json:"action"` // download or archive
	ByteRange string     `json:"range,omitempty"`
	IP        string     `json:"ip"`
	UserAgent string     `json:"user_agent"`
	At        time.Time  `json:"at"`
}

// Upload is a file on its way: a multipart upload whose parts a phone sends straight to
// MinIO, or a file staged for a record not yet written (RecordID nil), ready once its
// bytes are in and checked.
type Upload struct {
	ID          uuid.UUID  `json:"upload_id"`
	RecordID    *uuid.UUID `json:"record_id"`
	CaseID      uuid.UUID  `json:"case_id"`
	Filename    string     `json:"filename"`
	ContentType string     `json:"content_type"`
	Size        int64      `json:"size"`
	PartSize    int64      `json:"part_size"`
	SHA256      string     `json:"sha256,omitempty"`
	ExpiresAt   time.Time  `json:"expires_at"`
	Parts       []PartURL  `json:"parts"`
	Received    []Part     `json:"received"`
	CreatedBy   uuid.UUID  `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	MediaID     *uuid.UUID `json:"media_id,omitempty"`
	Ready       bool       `json:"ready"` // a staged file, checked, waiting for its record
	// Offline marks a file taken without a network (RECORDS.md §2.6): it may still be
	// staged after its case has ended, for a record that says it came late.
	Offline bool `json:"offline"`

	kind, objectKey, minioID, versionID, sm3 string
}

// PartURL is where one part goes.
type PartURL struct {
	Number int    `json:"number"`
	URL    string `json:"url"`
}

// PartCount is how many parts the upload has.
func (u *Upload) PartCount() int { return int((u.Size + u.PartSize - 1) / u.PartSize) }

// UploadInput starts a multipart upload.
type UploadInput struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Offline     bool   `json:"offline"`
}

func objectKey(caseID, recordID, id uuid.UUID) string {
	return "cases/" + caseID.String() + "/records/" + recordID.String() + "/" + id.String()
}

// stagedKey is where a file waits for its record; the key stays when it is recorded.
func stagedKey(caseID, id uuid.UUID) string {
	return "cases/" + caseID.String() + "/files/" + id.String()
}

// mediaIDOf reads the media ID back from the last element of its object key.
func mediaIDOf(key string) uuid.UUID {
	id, _ := uuid.Parse(path.Base(key))
	return id
}

// humanSize prints a byte count the way people read file sizes.
func humanSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + " GiB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " 字节"
}
