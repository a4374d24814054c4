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
	"zhifa/fault"
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
	HeadSM3     string          `json:"head_sm3"`
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
	SM3         string `json:"sm3"`
	RecordID    string `json:"record_id"`
}

const archiveReadme = `本压缩包由执法监督平台导出，内容为一件案件的全过程记录。

  案件摘要.html        可打印的案件摘要（样式在 print.css）
  records.json         全部记录（按序号排列），每条含其规范形式 canon、SHA-256 摘要 hash 与 SM3 摘要 sm3，
                       以及前一条的摘要 prev_hash、prev_sm3
  media/               全部证据文件（照片、录音、录像、文书）
  manifest.json        清单：每个文件的 SHA-256、记录哈希链与证据文件对照
  RECORDS.md           记录摘要的计算方法（哪些字节、什么顺序），可用任何语言重算
  LOG.md               公开日志的说明：检查点、包含证明及其核对方法
  log/checkpoint.txt   导出时公开日志的最新检查点（平台签名）
  log/inclusion.json   本案最后一条记录的哈希在该检查点中的包含证明
  log/key.txt          日志签名公钥

核对方法：
  1. 对 media/ 下每个文件计算 SHA-256（如 sha256sum）和 SM3，应与附件记录及 manifest.json 中的摘要一致；
  2. 按 RECORDS.md 重算 records.json 中每条记录的摘要；每条的 prev_hash 应等于前一条的 hash，
     最后一条的 hash 应等于 manifest.json 的 head_hash；
  3. 用公钥核对 log/checkpoint.txt 的签名，再按 LOG.md 用 log/inclusion.json 证明本案最后一条记录在检查点中。
     公钥须取自平台公示页“执法记录公开日志”（/public/log）或其他可信渠道，不能只信压缩包里的副本：
     整条链连同清单被改写时，改写后的链不可能通过第 3 步。
  4. 压缩包只能证明其中的记录在导出时已按序记入公开日志，不能证明此后没有新的记录；
     案件此后是否有记录被删除或改写，请在平台上核对（案件的“全过程记录校验”页面或 zhifa verify）。
  命令 zhifa verify-archive --key <公钥> 本文件.zip 可离线完成第 1 至 3 步。

导出时平台使用的日志签名公钥（仅供对照）：
`

// archiveFile is one file of the archive written from memory.
type archiveFile struct {
	path string
	body []byte
}

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
	// Without HTML escaping, so records.json shows <, > and & as the canon hashes them.
	var rj bytes.Buffer
	enc := json.NewEncoder(&rj)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v.Records); err != nil {
		return err
	}
	recordsJSON := rj.Bytes()
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
		man.HeadSeq, man.HeadHash, man.HeadSM3 = r.Seq, r.Hash, r.SM3
	}
	// The head is anchored in the transparency log before anything is sent, signing a
	// checkpoint if the newest one does not hold it yet.
	var logFiles []archiveFile
	if man.HeadSeq > 0 {
		an, err := a.anchor(c.UserContext(), v.ID, man.HeadSeq, man.HeadHash)
		switch {
		case fault.KindOf(err) == fault.NotFound: // never queued: the archive says so by lacking the proof
			logFiles = []archiveFile{{"log/key.txt", []byte(a.translog.VerifierKey() + "\n")}}
		case err != nil:
			return err
		default:
			inc, _ := json.MarshalIndent(an.Inclusion, "", "  ")
			logFiles = []archiveFile{{"log/checkpoint.txt", []byte(an.Checkpoint.Signed)}, {"log/inclusion.json", inc},
				{"log/key.txt", []byte(an.Key + "\n")}}
		}
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
		files := append([]archiveFile{{"README.txt", []byte(archiveReadme + "  " + a.translog.VerifierKey() + "\n")},
			{"案件摘要.html", summary.Bytes()}, {"print.css", printCSS}, {"records.json", recordsJSON},
			{"RECORDS.md", evidence.RecordsSpec}, {"LOG.md", evidence.LogSpec}}, logFiles...)
		for _, f := range files {
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
				ContentType: m.ContentType, Size: m.Size, SHA256: m.SHA256, SM3: m.SM3, RecordID: m.RecordID.String()})
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
