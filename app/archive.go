package app

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.uber.org/zap"

	"zhifa/evidence"
)

// manifest lists every file of a case archive with its SHA-256, and the chain's hashes,
// so a court or an evaluator can check the archive offline.
type manifest struct {
	CaseID      string          `json:"case_id"`
	Number      string          `json:"number"`
	GeneratedAt time.Time       `json:"generated_at"`
	GeneratedBy string          `json:"generated_by"`
	HeadSeq     int             `json:"head_seq"`
	HeadHash    string          `json:"head_hash"`
	Files       []manifestFile  `json:"files"`
	Records     []manifestLink  `json:"records"`
	Media       []manifestMedia `json:"media"`
	Problems    []string        `json:"problems"`
}

type manifestFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

type manifestLink struct {
	Seq      int    `json:"seq"`
	Kind     string `json:"kind"`
	Hash     string `json:"hash"`
	PrevHash string `json:"prev_hash"`
}

type manifestMedia struct {
	ID          string `json:"id"`
	Path        string `json:"path"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	RecordID    string `json:"record_id"`
}

const archiveReadme = `本压缩包由执法监督平台导出，内容为一件案件的全过程记录。

  案件摘要.html   可打印的案件摘要（样式在 print.css）
  records.json    全部记录（按序号排列），每条含其内容哈希 hash 与前一条的哈希 prev_hash
  media/          全部证据文件（照片、录音、录像、文书）
  manifest.json   清单：每个文件的 SHA-256、记录哈希链与证据文件对照

核对方法：
  1. 对 media/ 下每个文件计算 SHA-256（如 sha256sum），应与 manifest.json 中 media 的 sha256 一致；
  2. records.json 中每条记录的 prev_hash 应等于前一条的 hash，最后一条的 hash 应等于 manifest.json 的 head_hash；
  3. 记录的 hash 为其规范化内容的 SHA-256，重算方法见平台文档（zhifa verify）。
`

// GET /api/v1/cases/{id}/archive — the case file as a ZIP, streamed: the summary, every
// record, every media file, and a manifest with the hashes. Each file's opening is
// written to its access log before anything is sent.
func (a *App) caseArchive(c *fiber.Ctx) error {
	v, err := a.loadCase(c)
	if err != nil {
		return err
	}
	act := actor(c)
	var summary bytes.Buffer
	// The summary is read offline, beside its stylesheet in the ZIP.
	if err := c.App().Config().Views.Render(&summary, "case_print", fiber.Map{"Case": v, "Printed": time.Now(), "By": act.Name, "CSS": "print.css"}); err != nil {
		return err
	}
	recordsJSON, err := json.MarshalIndent(v.Records, "", "  ")
	if err != nil {
		return err
	}
	for _, m := range v.Media {
		uid := act.UserID
		if err := a.evidence.Store.LogAccess(c.UserContext(), evidence.Access{MediaID: m.ID, UserID: &uid, Username: act.Username,
			Action: "archive", IP: clientIP(c), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 300)}); err != nil {
			return err
		}
	}
	man := manifest{CaseID: v.ID.String(), Number: v.Number, GeneratedAt: time.Now().UTC(), GeneratedBy: act.Name, Problems: []string{}}
	for _, r := range v.Records {
		man.Records = append(man.Records, manifestLink{Seq: r.Seq, Kind: string(r.Kind), Hash: r.Hash, PrevHash: r.PrevHash})
		man.HeadSeq, man.HeadHash = r.Seq, r.Hash
	}
	name := v.Number + ".zip"
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, "attachment; filename*=UTF-8''"+url.PathEscape(name))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	conn := c.Context().Conn()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := contextFor(0)
		defer cancel()
		zw := zip.NewWriter(w)
		add := func(path string, r io.Reader) (manifestFile, error) {
			f, err := zw.CreateHeader(&zip.FileHeader{Name: path, Method: zip.Deflate, Modified: man.GeneratedAt, Flags: 0x800})
			if err != nil {
				return manifestFile{}, err
			}
			h := sha256.New()
			n, err := io.Copy(io.MultiWriter(f, h), idleReader{r: r, conn: conn})
			return manifestFile{Path: path, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, err
		}
		fail := func(err error) {
			a.log.Warn("case archive cut short", zap.String("case", v.ID.String()), zap.Error(err))
			// An unfinished ZIP has no central directory: the client sees it as broken.
		}
		for _, f := range []struct {
			path string
			body []byte
		}{{"README.txt", []byte(archiveReadme)}, {"案件摘要.html", summary.Bytes()}, {"print.css", printCSS}, {"records.json", recordsJSON}} {
			mf, err := add(f.path, bytes.NewReader(f.body))
			if err != nil {
				fail(err)
				return
			}
			man.Files = append(man.Files, mf)
		}
		for i, m := range v.Media {
			path := fmt.Sprintf("media/%03d-%s", i+1, downloadName(m))
			rc, err := a.evidence.Objects.Open(ctx, m.ObjectKey, m.VersionID, 0, -1)
			if err != nil {
				fail(err)
				return
			}
			mf, err := add(path, rc)
			rc.Close()
			if err != nil {
				fail(err)
				return
			}
			if mf.SHA256 != m.SHA256 {
				man.Problems = append(man.Problems, path+"：内容与登记的 SHA-256 不符，证据可能已被篡改")
			}
			man.Files = append(man.Files, mf)
			man.Media = append(man.Media, manifestMedia{ID: m.ID.String(), Path: path, Filename: m.Filename,
				ContentType: m.ContentType, Size: m.Size, SHA256: m.SHA256, RecordID: m.RecordID.String()})
		}
		mj, _ := json.MarshalIndent(man, "", "  ")
		if _, err := add("manifest.json", bytes.NewReader(mj)); err != nil {
			fail(err)
			return
		}
		if err := zw.Close(); err != nil {
			fail(err)
		}
	})
	return nil
}
