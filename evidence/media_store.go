package evidence

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

const mediaCols = `id, record_id, case_id, attachment_id, object_key, version_id, filename, content_type, size, sha256,
	uploaded_by, created_at, retained_until, sm3`

func scanMedia(row pgx.CollectableRow) (Media, error) {
	var m Media
	err := row.Scan(&m.ID, &m.RecordID, &m.CaseID, &m.AttachmentID, &m.ObjectKey, &m.VersionID, &m.Filename,
		&m.ContentType, &m.Size, &m.SHA256, &m.UploadedBy, &m.CreatedAt, &m.RetainedUntil, &m.SM3)
	return m, err
}

func (s *Store) mediaWhere(ctx context.Context, where string, args ...any) ([]Media, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+mediaCols+` FROM media WHERE `+where+` ORDER BY created_at, id`, args...)
	ms, err := pgx.CollectRows(rows, scanMedia)
	if ms == nil {
		ms = []Media{}
	}
	return ms, enforcement.DBError(err, "证据文件")
}

// CaseMedia lists a case's files.
func (s *Store) CaseMedia(ctx context.Context, caseID uuid.UUID) ([]Media, error) {
	return s.mediaWhere(ctx, `case_id = $1`, caseID)
}

// FindMedia returns one file.
func (s *Store) FindMedia(ctx context.Context, id uuid.UUID) (Media, error) {
	ms, err := s.mediaWhere(ctx, `id = $1`, id)
	if err != nil {
		return Media{}, err
	}
	if len(ms) == 0 {
		return Media{}, fault.New(fault.NotFound, "证据文件不存在")
	}
	return ms[0], nil
}

// attachTx writes the media row and its attachment record into the chain, and ends the
// upload that brought it. The upload row must still be there: if the sweeper took it,
// the object is gone and nothing may point at it. With openOnly the case must still be
// open under its lock: a long upload can outlast the case's closing.
func (s *Store) attachTx(ctx context.Context, tx pgx.Tx, m *Media, rec Record, uploadID uuid.UUID, authorName string, openOnly bool) error {
	if openOnly {
		var st enforcement.State
		if err := tx.QueryRow(ctx, `SELECT state FROM cases WHERE id = $1 FOR UPDATE`, m.CaseID).Scan(&st); err != nil {
			return enforcement.DBError(err, "案件")
		}
		if err := openForEvidence(st); err != nil {
			return err
		}
	}
	tag, err := tx.Exec(ctx, `DELETE FROM uploads WHERE id = $1`, uploadID)
	if err != nil {
		return enforcement.DBError(err, "上传")
	}
	if tag.RowsAffected() != 1 {
		return fault.New(fault.Conflict, "上传已结束或已过期，请重新上传")
	}
	data := map[string]any{
		"media_id": m.ID, "record_id": m.RecordID, "record_seq": rec.Seq, "filename": m.Filename,
		"content_type": m.ContentType, "size": m.Size, "sha256": m.SHA256, "object_key": m.ObjectKey,
		"version_id": m.VersionID,
	}
	if m.SM3 != "" {
		data["sm3"] = m.SM3
	}
	att := Record{CaseID: m.CaseID, Stage: rec.Stage, Kind: "attachment",
		Note:       "附件：" + m.Filename + "（附于第 " + strconv.Itoa(rec.Seq) + " 条记录）",
		Data:       canonicalData(data),
		OccurredAt: m.CreatedAt, AuthorID: &m.UploadedBy, AuthorName: authorName}
	if err := s.appendTx(ctx, tx, &att); err != nil {
		return err
	}
	m.AttachmentID = att.ID
	_, err = tx.Exec(ctx, `INSERT INTO media (`+mediaCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		m.ID, m.RecordID, m.CaseID, m.AttachmentID, m.ObjectKey, m.VersionID, m.Filename, m.ContentType, m.Size,
		m.SHA256, m.UploadedBy, m.CreatedAt, m.RetainedUntil, m.SM3)
	return enforcement.DBError(err, "证据文件")
}

// Attach records a stored object as evidence, in one transaction; with openOnly, only
// while the case is open.
func (s *Store) Attach(ctx context.Context, m *Media, rec Record, uploadID uuid.UUID, authorName string, openOnly bool) error {
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		return s.attachTx(ctx, tx, m, rec, uploadID, authorName, openOnly)
	})
	return enforcement.DBError(err, "证据文件")
}

// MarkRetained notes that MinIO holds the lock on a file.
func (s *Store) MarkRetained(ctx context.Context, id uuid.UUID, until time.Time) error {
	_, err := s.db.Exec(ctx, `UPDATE media SET retained_until = $2 WHERE id = $1`, id, until)
	return enforcement.DBError(err, "证据文件")
}

// Unretained lists files whose lock has not been set yet, oldest first.
func (s *Store) Unretained(ctx context.Context, before time.Time, limit int) ([]Media, error) {
	return s.mediaWhere(ctx, `id IN (SELECT id FROM media WHERE retained_until IS NULL AND created_at < $1 LIMIT `+strconv.Itoa(limit)+`)`, before)
}

const uploadCols = `id, kind, record_id, case_id, object_key, minio_upload_id, filename, content_type, size, part_size,
	sha256, created_by, created_at, expires_at, version_id, ready, sm3, offline`

func scanUpload(row pgx.CollectableRow) (Upload, error) {
	var u Upload
	err := row.Scan(&u.ID, &u.kind, &u.RecordID, &u.CaseID, &u.objectKey, &u.minioID, &u.Filename, &u.ContentType,
		&u.Size, &u.PartSize, &u.SHA256, &u.CreatedBy, &u.CreatedAt, &u.ExpiresAt, &u.versionID, &u.Ready, &u.sm3, &u.Offline)
	return u, err
}

// AddUpload notes an upload before its first byte reaches MinIO.
func (s *Store) AddUpload(ctx context.Context, u *Upload) error {
	_, err := s.db.Exec(ctx, `INSERT INTO uploads (`+uploadCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		u.ID, u.kind, u.RecordID, u.CaseID, u.objectKey, u.minioID, u.Filename, u.ContentType, u.Size, u.PartSize,
		u.SHA256, u.CreatedBy, u.CreatedAt, u.ExpiresAt, u.versionID, u.Ready, u.sm3, u.Offline)
	return enforcement.DBError(err, "上传")
}

// MarkReady keeps what a staged file was checked at: its object version, type, size and
// hash. It waits for its record until it expires.
func (s *Store) MarkReady(ctx context.Context, u *Upload) error {
	_, err := s.db.Exec(ctx, `UPDATE uploads SET ready = true, version_id = $2, content_type = $3, size = $4, sha256 = $5,
		expires_at = $6, sm3 = $7 WHERE id = $1`, u.ID, u.versionID, u.ContentType, u.Size, u.SHA256, u.ExpiresAt, u.sm3)
	return enforcement.DBError(err, "上传")
}

// ReadyUploads loads staged files of a case for its record, locked until the record's
// transaction ends, so a file cannot be recorded twice.
func (s *Store) readyUploadsTx(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, ids []uuid.UUID) ([]Upload, error) {
	rows, _ := tx.Query(ctx, `SELECT `+uploadCols+` FROM uploads WHERE id = ANY($1) AND case_id = $2 AND record_id IS NULL
		ORDER BY array_position($1, id) FOR UPDATE`, ids, caseID)
	us, err := pgx.CollectRows(rows, scanUpload)
	return us, enforcement.DBError(err, "上传")
}

// SetUploadMinIOID keeps the ID MinIO gave a multipart upload.
func (s *Store) SetUploadMinIOID(ctx context.Context, id uuid.UUID, minioID string) error {
	_, err := s.db.Exec(ctx, `UPDATE uploads SET minio_upload_id = $2 WHERE id = $1`, id, minioID)
	return enforcement.DBError(err, "上传")
}

// FindUpload returns one upload under way.
func (s *Store) FindUpload(ctx context.Context, id uuid.UUID) (Upload, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+uploadCols+` FROM uploads WHERE id = $1`, id)
	u, err := pgx.CollectExactlyOneRow(rows, scanUpload)
	if err == pgx.ErrNoRows {
		return u, fault.New(fault.NotFound, "上传不存在，可能已完成、已取消或已过期")
	}
	return u, enforcement.DBError(err, "上传")
}

// DeleteUpload forgets an upload whose object was removed.
func (s *Store) DeleteUpload(ctx context.Context, id uuid.UUID) error {
	_, err := s.db.Exec(ctx, `DELETE FROM uploads WHERE id = $1`, id)
	return enforcement.DBError(err, "上传")
}

// ExpiredUploads lists uploads the sweeper should remove.
func (s *Store) ExpiredUploads(ctx context.Context, now time.Time, limit int) ([]Upload, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+uploadCols+` FROM uploads WHERE expires_at < $1 ORDER BY expires_at LIMIT `+strconv.Itoa(limit), now)
	us, err := pgx.CollectRows(rows, scanUpload)
	return us, enforcement.DBError(err, "上传")
}

// LogAccess writes one line of a file's access log.
func (s *Store) LogAccess(ctx context.Context, a Access) error {
	_, err := s.db.Exec(ctx, `INSERT INTO media_access (media_id, user_id, username, action, byte_range, ip, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, a.MediaID, a.UserID, a.Username, a.Action, a.ByteRange, a.IP, a.UserAgent)
	return enforcement.DBError(err, "访问日志")
}

// AccessLog lists who opened a file, newest first.
func (s *Store) AccessLog(ctx context.Context, mediaID uuid.UUID, p enforcement.Page) (enforcement.List[Access], error) {
	var l enforcement.List[Access]
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM media_access WHERE media_id = $1`, mediaID).Scan(&l.Total); err != nil {
		return l, enforcement.DBError(err, "访问日志")
	}
	rows, _ := s.db.Query(ctx, `SELECT id, media_id, user_id, username, action, byte_range, ip, user_agent, at
		FROM media_access WHERE media_id = $1 ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3`, mediaID, p.Size, p.Offset())
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Access, error) {
		var a Access
		err := row.Scan(&a.ID, &a.MediaID, &a.UserID, &a.Username, &a.Action, &a.ByteRange, &a.IP, &a.UserAgent, &a.At)
		return a, err
	})
	if items == nil {
		items = []Access{}
	}
	l.Items = items
	return l, enforcement.DBError(err, "访问日志")
}

// HasAudioVideo reports whether a case holds an audio or video file recorded in a stage.
// It reads inside the mover's transaction, which holds the case row.
func (s *Store) HasAudioVideo(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, stage enforcement.State) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM media m JOIN records r ON r.id = m.record_id
		WHERE m.case_id = $1 AND r.stage = $2 AND (m.content_type LIKE 'audio/%' OR m.content_type LIKE 'video/%'))`,
		caseID, stage).Scan(&ok)
	return ok, enforcement.DBError(err, "证据文件")
}

// RecordKind is the kind of one of a case's records, "" when the case has none by that
// ID, inside the mover's transaction.
func (s *Store) RecordKind(ctx context.Context, tx pgx.Tx, caseID, recordID uuid.UUID) (string, error) {
	var kind string
	err := tx.QueryRow(ctx, `SELECT kind FROM records WHERE id = $1 AND case_id = $2`, recordID, caseID).Scan(&kind)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return kind, enforcement.DBError(err, "记录")
}

// HasRecordKind reports whether a case holds a record of a kind, inside the mover's
// transaction.
func (s *Store) HasRecordKind(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, kind string) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM records WHERE case_id = $1 AND kind = $2)`, caseID, kind).Scan(&ok)
	return ok, enforcement.DBError(err, "记录")
}
