package app

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/google/uuid"

	"zhifa/evidence"
)

// ArchiveCheck is what verify-archive found: each step passed, and each problem.
type ArchiveCheck struct {
	Passed   []string
	Problems []string
	Key      string // the key the checkpoint was checked with
	KeyFrom  string // where that key came from
}

// OK reports an archive without problems.
func (r *ArchiveCheck) OK() bool { return len(r.Problems) == 0 }

func (r *ArchiveCheck) fail(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}
func (r *ArchiveCheck) pass(format string, args ...any) {
	r.Passed = append(r.Passed, fmt.Sprintf(format, args...))
}

// VerifyArchive checks a case archive offline, as README.txt inside it describes: every
// file against the manifest, every record's digests and links by RECORDS.md, every
// evidence file against its attachment record, and the head against the signed log
// checkpoint by LOG.md. key is the log's public key the checker trusts; without it the
// key inside the archive is used and that is itself reported as a problem, since a forger
// can re-sign with a key of their own. An archive cannot show that the case had no records
// after its head: the platform's own check (the verify page, zhifa verify) compares every
// head the log holds with the records.
func VerifyArchive(zr *zip.Reader, key string) (*ArchiveCheck, error) {
	res := &ArchiveCheck{Key: key, KeyFrom: "命令行"}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	read := func(name string) ([]byte, error) {
		f, ok := files[name]
		if !ok {
			return nil, fmt.Errorf("压缩包中没有 %s", name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(io.LimitReader(rc, 1<<30))
	}
	digest := func(name string) (sha, sm string, n int64, err error) {
		f, ok := files[name]
		if !ok {
			return "", "", 0, fmt.Errorf("压缩包中没有 %s", name)
		}
		rc, err := f.Open()
		if err != nil {
			return "", "", 0, err
		}
		defer rc.Close()
		h, s := sha256.New(), sm3.New()
		n, err = io.Copy(io.MultiWriter(h, s), rc)
		return hex.EncodeToString(h.Sum(nil)), hex.EncodeToString(s.Sum(nil)), n, err
	}
	var man manifest
	mb, err := read("manifest.json")
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(mb, &man); err != nil {
		return nil, fmt.Errorf("manifest.json 无法解析：%w", err)
	}
	// 1. Every file the manifest lists.
	for _, mf := range man.Files {
		sha, _, n, err := digest(mf.Path)
		switch {
		case err != nil:
			res.fail("%s：%v", mf.Path, err)
		case sha != mf.SHA256 || n != mf.Size:
			res.fail("%s 的 SHA-256 与清单不符（清单 %s，实际 %s）", mf.Path, short(mf.SHA256), short(sha))
		}
	}
	if len(res.Problems) == 0 {
		res.pass("清单所列 %d 个文件的 SHA-256 相符", len(man.Files))
	}
	// 2. The chain.
	rb, err := read("records.json")
	if err != nil {
		return nil, err
	}
	var recs []evidence.Record
	if err := json.Unmarshal(rb, &recs); err != nil {
		return nil, fmt.Errorf("records.json 无法解析：%w", err)
	}
	before := len(res.Problems)
	if len(recs) == 0 || man.HeadSeq == 0 {
		res.fail("压缩包中没有任何记录：每件案件至少有立案记录")
		return res, nil
	}
	for _, p := range evidence.VerifyChain(recs, man.HeadSeq, man.HeadHash) {
		res.fail("%s", p.Message)
	}
	if len(recs) > 0 && recs[len(recs)-1].SM3 != man.HeadSM3 {
		res.fail("最后一条记录的 SM3 摘要与清单的 head_sm3 不符")
	}
	if len(res.Problems) == before {
		res.pass("%d 条记录的 SHA-256 与 SM3 摘要按 RECORDS.md 重算相符，哈希链完整，链头为第 %d 条（%s）", len(recs), man.HeadSeq, short(man.HeadHash))
	}
	// 3. Every evidence file against the attachment record that carries its digests.
	before = len(res.Problems)
	paths := map[string]string{}
	for _, m := range man.Media {
		paths[m.ID] = m.Path
	}
	files3 := 0
	for _, r := range recs {
		if r.Kind != "attachment" {
			continue
		}
		var d struct {
			MediaID  string `json:"media_id"`
			Filename string `json:"filename"`
			Size     int64  `json:"size"`
			SHA256   string `json:"sha256"`
			SM3      string `json:"sm3"`
		}
		_ = json.Unmarshal(r.Data, &d)
		path, ok := paths[d.MediaID]
		if !ok {
			res.fail("第 %d 条附件记录的文件“%s”不在压缩包中", r.Seq, d.Filename)
			continue
		}
		sha, sm, n, err := digest(path)
		switch {
		case err != nil:
			res.fail("%s：%v", path, err)
		case sha != d.SHA256 || n != d.Size:
			res.fail("%s 与第 %d 条附件记录的 SHA-256 不符", path, r.Seq)
		case d.SM3 != "" && sm != d.SM3:
			res.fail("%s 与第 %d 条附件记录的 SM3 摘要不符", path, r.Seq)
		}
		files3++
	}
	if len(res.Problems) == before {
		res.pass("%d 个证据文件与其附件记录的摘要相符", files3)
	}
	// 4. The head in the signed log.
	if res.Key == "" {
		kb, err := read("log/key.txt")
		if err != nil {
			res.fail("未指定可信的日志公钥，压缩包中也没有公钥")
			return res, nil
		}
		res.Key, res.KeyFrom = strings.TrimSpace(string(kb)), "压缩包自带"
		res.fail("未指定可信的日志公钥，只能用压缩包自带的公钥核对，这只说明压缩包自身一致：请用 --key 指定从平台公示页或其他渠道取得的公钥")
	}
	cpb, err := read("log/checkpoint.txt")
	if err != nil {
		res.fail("压缩包中没有日志检查点：导出时本案最后一条记录尚未记入公开日志")
		return res, nil
	}
	size, root, at, err := evidence.OpenCheckpoint(cpb, res.Key)
	if err != nil {
		res.fail("日志检查点：%v", err)
		return res, nil
	}
	ib, err := read("log/inclusion.json")
	if err != nil {
		res.fail("压缩包中没有包含证明：导出时本案最后一条记录尚未记入公开日志")
		return res, nil
	}
	var in evidence.Inclusion
	if err := json.Unmarshal(ib, &in); err != nil {
		return nil, fmt.Errorf("log/inclusion.json 无法解析：%w", err)
	}
	caseID, err := uuid.Parse(man.CaseID)
	if err != nil {
		return nil, fmt.Errorf("manifest.json 的 case_id 无效")
	}
	lh := evidence.LeafHash(evidence.LeafData(caseID, man.HeadSeq, man.HeadHash))
	in.LeafHash = hex.EncodeToString(lh[:]) // the leaf is rebuilt from the chain, never taken on trust
	switch {
	case in.TreeSize != size:
		res.fail("包含证明针对的树大小 %d 与检查点的 %d 不符", in.TreeSize, size)
	case evidence.CheckInclusion(in, root) != nil:
		res.fail("本案链头（第 %d 条，%s）不在签名检查点（树大小 %d，%s 签发）之中：记录或清单在入日志后被改写", man.HeadSeq, short(man.HeadHash), size, at.Format("2006-01-02 15:04 UTC"))
	default:
		res.pass("链头在 %s 签发的日志检查点（树大小 %d）中，包含证明有效，签名公钥 %s", at.Format("2006-01-02 15:04 UTC"), size, res.Key)
	}
	return res, nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

var errArchive = errors.New("压缩包未通过核对")

// verifyArchiveCommand runs `zhifa verify-archive [--key KEY] FILE.zip`. Without --key,
// a machine that runs zhifa itself uses its own log key.
func verifyArchiveCommand(args []string, getenv func(string) string, stdout io.Writer) error {
	key, from := "", "命令行 --key"
	if len(args) == 3 && args[0] == "--key" {
		key, args = args[1], args[2:]
	}
	if len(args) != 1 {
		return errors.New("usage: zhifa verify-archive [--key LOG-PUBLIC-KEY] FILE.zip")
	}
	if key == "" {
		if cfg, err := LoadConfig(getenv); err == nil && cfg.LogKey != "" {
			if l, err := evidence.NewLog(nil, cfg.LogOrigin, cfg.LogKey); err == nil {
				key, from = l.VerifierKey(), "本机配置的 ZHIFA_LOG_KEY"
			}
		}
	}
	zr, err := zip.OpenReader(args[0])
	if err != nil {
		return err
	}
	defer zr.Close()
	res, err := VerifyArchive(&zr.Reader, key)
	if err != nil {
		return err
	}
	if key != "" {
		res.KeyFrom = from
	}
	for _, p := range res.Passed {
		fmt.Fprintln(stdout, "通过：", p)
	}
	for _, p := range res.Problems {
		fmt.Fprintln(stdout, "不符：", p)
	}
	if res.Key != "" {
		fmt.Fprintln(stdout, "公钥来源：", res.KeyFrom)
	}
	if !res.OK() {
		return errArchive
	}
	return nil
}
