package evidence

import (
	"context"
	"encoding/json"
	"io"
	"strconv"

	"github.com/google/uuid"

	"zhifa/fault"
)

// attachmentData is what an attachment record carries about its file; the chain protects it.
type attachmentData struct {
	MediaID     uuid.UUID `json:"media_id"`
	RecordID    uuid.UUID `json:"record_id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	SM3         string    `json:"sm3"`
	ObjectKey   string    `json:"object_key"`
	VersionID   string    `json:"version_id"`
}

// VerifyCase recomputes a case's chain and every file's SHA-256 from the bytes MinIO
// holds. Each break is reported with the record or file it concerns and what differs.
func (s *Service) VerifyCase(ctx context.Context, caseID uuid.UUID) (Verification, error) {
	v, err := s.Store.Verify(ctx, caseID)
	if err != nil {
		return v, err
	}
	recs, err := s.Store.List(ctx, caseID)
	if err != nil {
		return v, err
	}
	media, err := s.Store.CaseMedia(ctx, caseID)
	if err != nil {
		return v, err
	}
	attached := map[uuid.UUID]Record{}
	for _, r := range recs {
		if r.Kind != "attachment" {
			continue
		}
		var d attachmentData
		_ = json.Unmarshal(r.Data, &d)
		attached[d.MediaID] = r
	}
	for i := range media {
		m := &media[i]
		id := m.ID
		r, ok := attached[m.ID]
		if !ok {
			v.Problems = append(v.Problems, Problem{MediaID: &id, Code: "media_unrecorded",
				Message: "证据文件“" + m.Filename + "”没有对应的附件记录，不在哈希链中"})
			continue
		}
		delete(attached, m.ID)
		var d attachmentData
		_ = json.Unmarshal(r.Data, &d)
		rid := r.ID
		if d.SHA256 != m.SHA256 || d.SM3 != m.SM3 || d.Size != m.Size || d.ObjectKey != m.ObjectKey || d.VersionID != m.VersionID || d.ContentType != m.ContentType {
			v.Problems = append(v.Problems, Problem{MediaID: &id, RecordID: &rid, Seq: r.Seq, Code: "media_row_altered",
				Message: "证据文件“" + m.Filename + "”的登记信息与第 " + strconv.Itoa(r.Seq) + " 条附件记录不符（登记 " + short(m.SHA256) + "，记录 " + short(d.SHA256) + "）"})
		}
		// The chain's copy is what the file must match.
		p, err := s.checkObject(ctx, d)
		if err != nil {
			return v, err
		}
		for _, q := range p {
			q.MediaID, q.RecordID, q.Seq = &id, &rid, r.Seq
			v.Problems = append(v.Problems, q)
		}
		v.MediaChecked++
	}
	if s.Log != nil {
		p, err := s.Log.LogProblems(ctx, caseID, recs)
		if err != nil {
			return v, err
		}
		v.Problems = append(v.Problems, p...)
	}
	for mid, r := range attached {
		mid, rid := mid, r.ID
		v.Problems = append(v.Problems, Problem{MediaID: &mid, RecordID: &rid, Seq: r.Seq, Code: "media_row_missing",
			Message: "第 " + strconv.Itoa(r.Seq) + " 条附件记录所指的证据文件登记已被删除"})
	}
	v.OK = len(v.Problems) == 0
	return v, nil
}

// checkObject compares the stored object with what the chain says about it. MinIO being
// unreachable is an error, not a finding.
func (s *Service) checkObject(ctx context.Context, d attachmentData) ([]Problem, error) {
	var out []Problem
	latest, err := s.Objects.Latest(ctx, d.ObjectKey)
	switch {
	case fault.KindOf(err) == fault.NotFound:
		out = append(out, Problem{Code: "media_replaced", Message: "证据文件“" + d.Filename + "”在存储中已被删除或覆盖（当前版本不存在）"})
	case err != nil:
		return nil, err
	case latest.VersionID != d.VersionID:
		out = append(out, Problem{Code: "media_replaced", Message: "证据文件“" + d.Filename + "”在存储中被覆盖写入了新版本（" + short(latest.VersionID) + "），与登记的版本 " + short(d.VersionID) + " 不同"})
	}
	rc, err := s.Objects.Open(ctx, d.ObjectKey, d.VersionID, 0, -1)
	if fault.KindOf(err) == fault.NotFound {
		return append(out, Problem{Code: "media_missing", Message: "证据文件“" + d.Filename + "”登记的版本在存储中已不存在"}), nil
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	hr := newHashingReader(rc, 1<<62)
	if _, err := io.Copy(io.Discard, hr); err != nil {
		return nil, objectError(err, "证据文件")
	}
	if got := hr.sum(); got != d.SHA256 || hr.n != d.Size {
		out = append(out, Problem{Code: "media_hash_mismatch", Message: "证据文件“" + d.Filename + "”的内容与记录不符（记录 " + short(d.SHA256) + "，" + strconv.FormatInt(d.Size, 10) + " 字节；重算 " + short(got) + "，" + strconv.FormatInt(hr.n, 10) + " 字节）"})
	} else if got := hr.sumSM3(); d.SM3 != "" && got != d.SM3 {
		out = append(out, Problem{Code: "media_hash_mismatch", Message: "证据文件“" + d.Filename + "”的内容与记录的 SM3 摘要不符（记录 " + short(d.SM3) + "，重算 " + short(got) + "）"})
	}
	return out, nil
}
