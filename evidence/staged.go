package evidence

import (
	"bytes"
	"context"
	"errors"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// A record and its files enter the chain together or not at all. The files come first:
// each is staged under its case (a multipart upload for a large video, or one streamed
// body), checked as it lands (type from the bytes, size, SHA-256), and kept ready; the
// record then names them and one transaction writes the record, every file's media row
// and attachment record. A refused file refuses the record: nothing is written, and a
// staged file that no record takes expires and is swept away.

// stagedTTL is how long a staged file waits for its record.
const stagedTTL = 48 * time.Hour

// attachableCase checks that the actor may add evidence to a case now.
func (s *Service) attachableCase(ctx context.Context, a enforcement.Actor, caseID uuid.UUID) (enforcement.Case, error) {
	return s.attachableLate(ctx, a, caseID, false)
}

// attachableLate is attachableCase that, for what was taken without a network, lets the
// case have ended since: the record says it came late (RECORDS.md §2.6).
func (s *Service) attachableLate(ctx context.Context, a enforcement.Actor, caseID uuid.UUID, offline bool) (enforcement.Case, error) {
	c, err := s.Cases.CaseInScope(ctx, a, caseID)
	if err != nil {
		return c, err
	}
	if err := a.RequireHandler(c); err != nil {
		return c, err
	}
	if offline {
		return c, pastLateWindow(c.State, c.ClosedAt, s.Now()) // RECORDS.md §2.6, before any bytes are sent
	}
	return c, openForEvidence(c.State)
}

// StartStagedUpload begins a multipart upload of a file for a record not yet written.
func (s *Service) StartStagedUpload(ctx context.Context, a enforcement.Actor, caseID uuid.UUID, in UploadInput) (Upload, error) {
	if _, err := s.attachableLate(ctx, a, caseID, in.Offline); err != nil {
		return Upload{}, err
	}
	id := uuid.New()
	return s.startMultipart(ctx, a, Upload{CaseID: caseID, objectKey: stagedKey(caseID, id), Offline: in.Offline}, in)
}

// StageFile streams one file of a record to come into MinIO, checks it and keeps it
// ready. A refused file leaves nothing.
func (s *Service) StageFile(ctx context.Context, a enforcement.Actor, caseID uuid.UUID, in DirectUpload) (Upload, error) {
	if _, err := s.attachableCase(ctx, a, caseID); err != nil {
		return Upload{}, err
	}
	var err error
	if in.SHA256, err = CheckSHA256(in.SHA256); err != nil {
		return Upload{}, err
	}
	if in.Size > s.Limit {
		return Upload{}, s.tooLarge()
	}
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(in.Body, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return Upload{}, fault.Wrap(err, fault.Invalid, "上传中断，请重试")
	}
	head = head[:n]
	if n == 0 {
		return Upload{}, fault.Field("file", "文件“%s”为空", CleanFilename(in.Filename))
	}
	ct, err := Sniff(head)
	if err != nil {
		return Upload{}, err
	}
	if err := CheckDeclared(in.Type, ct); err != nil {
		return Upload{}, err
	}
	now := s.Now().UTC().Truncate(time.Microsecond)
	id := uuid.New()
	up := Upload{ID: uuid.New(), CaseID: caseID, Filename: CleanFilename(in.Filename), ContentType: ct, Size: max(in.Size, 0),
		SHA256: in.SHA256, CreatedBy: a.UserID, CreatedAt: now, ExpiresAt: now.Add(stagedTTL), kind: "direct",
		objectKey: stagedKey(caseID, id)}
	if err := s.Store.AddUpload(ctx, &up); err != nil {
		return Upload{}, err
	}
	hr := newHashingReader(io.MultiReader(bytes.NewReader(head), in.Body), s.Limit)
	version, err := s.Objects.Put(ctx, up.objectKey, hr, in.Size, ct)
	if err != nil {
		s.discard(ctx, &up, "")
		switch {
		case errors.Is(err, errTooLarge) || hr.n > s.Limit:
			return Upload{}, s.tooLarge()
		case hr.err != nil:
			return Upload{}, fault.Wrap(hr.err, fault.Invalid, "上传中断，文件未保存，请重试")
		}
		return Upload{}, err
	}
	if in.Size >= 0 && hr.n != in.Size {
		s.discard(ctx, &up, version)
		return Upload{}, fault.Field("file", "收到 %d 字节，与声明的 %d 字节不符，文件未保存", hr.n, in.Size)
	}
	if in.SHA256 != "" && in.SHA256 != hr.sum() {
		s.discard(ctx, &up, version)
		return Upload{}, fault.Field("sha256", "文件内容的 SHA-256 为 %s，与声明的不符，文件未保存", hr.sum())
	}
	m := Media{ContentType: ct, Size: hr.n, SHA256: hr.sum(), SM3: hr.sumSM3(), VersionID: version}
	c, err := s.ready(ctx, &up, m)
	if err != nil {
		return Upload{}, err
	}
	return *c.Staged, nil
}

// ready keeps a staged file's checked facts until its record takes it.
func (s *Service) ready(ctx context.Context, up *Upload, m Media) (Completion, error) {
	up.versionID, up.ContentType, up.Size, up.SHA256, up.sm3, up.Ready = m.VersionID, m.ContentType, m.Size, m.SHA256, m.SM3, true
	up.ExpiresAt = s.Now().UTC().Add(stagedTTL)
	up.Parts, up.Received = nil, nil
	if err := s.Store.MarkReady(ctx, up); err != nil {
		s.discard(ctx, up, m.VersionID)
		return Completion{}, err
	}
	return Completion{Staged: up}, nil
}

// AddRecordWithFiles writes a record and the staged files it names in one transaction:
// the record, then for each file its attachment record and media row. Any file that is
// not a ready file of this case refuses the whole record (422 naming it) and nothing is
// written. The retention locks are set once it is committed.
func (s *Service) AddRecordWithFiles(ctx context.Context, a enforcement.Actor, caseID uuid.UUID, in RecordInput, uploadIDs []uuid.UUID) (Record, []Media, error) {
	c, err := s.attachableLate(ctx, a, caseID, in.Capture != nil)
	if err != nil {
		return Record{}, nil, err
	}
	if err := in.Validate(c.State, s.Now()); err != nil {
		return Record{}, nil, err
	}
	seen := map[uuid.UUID]bool{}
	for i, id := range uploadIDs {
		if seen[id] {
			return Record{}, nil, fault.Field("upload_ids", "第 %d 个文件重复", i+1)
		}
		seen[id] = true
	}
	rec := Record{CaseID: caseID, Stage: in.Stage, Kind: in.Kind, Note: in.Note,
		OccurredAt: in.OccurredAt, Location: in.Location, Corrects: in.Corrects, AuthorID: &a.UserID, AuthorName: a.Name}
	var media []Media
	err = pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) error {
		var err error
		if rec.Data, err = in.admitTx(ctx, tx, caseID, s.Now()); err != nil {
			return err
		}
		ups, err := s.Store.readyUploadsTx(ctx, tx, caseID, uploadIDs)
		if err != nil {
			return err
		}
		if len(ups) != len(uploadIDs) {
			found := map[uuid.UUID]bool{}
			for _, u := range ups {
				found[u.ID] = true
			}
			for i, id := range uploadIDs {
				if !found[id] {
					return fault.Field("upload_ids", "第 %d 个文件不存在、已过期或已附在别的记录下，请重新上传", i+1)
				}
			}
		}
		for _, u := range ups {
			if !u.Ready {
				return fault.Field("upload_ids", "文件“%s”尚未上传完成", u.Filename)
			}
		}
		if err := s.Store.appendTx(ctx, tx, &rec); err != nil {
			return err
		}
		for _, u := range ups {
			m := Media{ID: mediaIDOf(u.objectKey), RecordID: rec.ID, CaseID: caseID, ObjectKey: u.objectKey, VersionID: u.versionID,
				Filename: u.Filename, ContentType: u.ContentType, Size: u.Size, SHA256: u.SHA256, SM3: u.sm3, UploadedBy: u.CreatedBy,
				CreatedAt: rec.CreatedAt}
			if m.CreatedAt.IsZero() {
				m.CreatedAt = s.Now().UTC().Truncate(time.Microsecond)
			}
			if err := s.Store.attachTx(ctx, tx, &m, rec, u.ID, a.Name, in.Capture == nil); err != nil {
				return err
			}
			media = append(media, m)
		}
		return nil
	})
	if err != nil {
		return Record{}, nil, enforcement.DBError(err, "记录")
	}
	for i := range media {
		s.lock(ctx, &media[i])
	}
	return rec, media, nil
}
