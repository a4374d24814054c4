package app

import (
	"bytes"
	"context"
	"fmt"
	"github.com/jackc/pgx/v5"
	"io"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"zhifa/evidence"
)

// SeedMedia attaches small demo files (a photo, a recording, a scanned notice) to the
// first records of some demo cases, once: cases that already hold files are left alone.
func (a *App) SeedMedia(ctx context.Context, out io.Writer) error {
	if _, err := a.EnsureBucket(ctx); err != nil {
		return fmt.Errorf("MinIO bucket %s: %w", a.cfg.MinIOBucket, err)
	}
	var have int
	if err := a.db.QueryRow(ctx, `SELECT count(*) FROM media`).Scan(&have); err != nil {
		return err
	}
	if have > 0 {
		fmt.Fprintf(out, "media: %d demo files already there\n", have)
		return nil
	}
	// The first officer's record of about one case in three, uploaded by the handler's
	// account where there is one and by whoever filed the case otherwise.
	rows, err := a.db.Query(ctx, `SELECT DISTINCT ON (c.id) c.id, r.id,
			COALESCE((SELECT u.id FROM case_handlers h JOIN users u ON u.officer_id = h.officer_id WHERE h.case_id = c.id LIMIT 1), c.created_by)
		FROM cases c JOIN records r ON r.case_id = c.id AND r.kind NOT IN ('transition', 'outcome', 'attachment', 'measure')
		WHERE get_byte(decode(md5(c.id::text), 'hex'), 0) % 3 = 0
		ORDER BY c.id, r.seq`)
	if err != nil {
		return err
	}
	type target struct{ caseID, recordID, userID uuid.UUID }
	var ts []target
	for rows.Next() {
		var t target
		if err := rows.Scan(&t.caseID, &t.recordID, &t.userID); err != nil {
			rows.Close()
			return err
		}
		ts = append(ts, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	files := demoFiles()
	n := 0
	for i, t := range ts {
		act, err := a.enforcement.Store.FindActor(ctx, t.userID)
		if err != nil {
			return err
		}
		f := files[i%len(files)]
		_, err = a.evidence.ImportMedia(ctx, act, t.recordID, evidence.DirectUpload{Filename: f.name, Size: int64(len(f.body)), Body: bytes.NewReader(f.body)})
		if err != nil {
			return fmt.Errorf("demo file for case %s: %w", t.caseID, err)
		}
		n++
	}
	fmt.Fprintf(out, "media: %d demo files attached\n", n)
	refused, err := a.seedRefusals(ctx)
	if err != nil {
		return fmt.Errorf("demo refusals to sign: %w", err)
	}
	fmt.Fprintf(out, "documents: %d parties refused to sign their notice, recorded with a witness\n", refused)
	return nil
}

// seedRefusals: two parties of the market regulator's cases under investigation refuse to
// sign their 事先告知书; the officer records it on audio and a witness signs. They come with
// the demo's files because the refusal names its recording, which lives in MinIO.
func (a *App) seedRefusals(ctx context.Context) (int, error) {
	rows, _ := a.db.Query(ctx, `SELECT c.id FROM cases c JOIN agencies ag ON ag.id = c.agency_id
		JOIN case_handlers h ON h.case_id = c.id JOIN users u ON u.officer_id = h.officer_id AND u.username = 'officer1'
		WHERE ag.name = '青山县市场监督管理局' AND c.state = 'investigating' AND c.kind = 'penalty'
		AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.case_id = c.id) ORDER BY c.number LIMIT 2`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return 0, err
	}
	var officer1 uuid.UUID
	if err := a.db.QueryRow(ctx, `SELECT id FROM users WHERE username = 'officer1'`).Scan(&officer1); err != nil {
		return 0, err
	}
	act, err := a.enforcement.Store.FindActor(ctx, officer1)
	if err != nil {
		return 0, err
	}
	r := rand.New(rand.NewPCG(20261202, 29))
	for i, id := range ids {
		c, err := a.enforcement.FindCase(ctx, act, id)
		if err != nil {
			return i, err
		}
		at := time.Now().Add(-time.Duration(2+i) * time.Hour)
		rec, err := a.demoRefusal(ctx, act, c, at)
		if err != nil {
			return i, err
		}
		if _, err := a.demoNotice(ctx, act, c, "责令改正，并处罚款", at.Add(10*time.Minute), r, docOptions{refusal: rec}); err != nil {
			return i, err
		}
	}
	return len(ids), nil
}

type demoFile struct {
	name string
	body []byte
}

// demoFiles are tiny but real files of the allowed kinds.
func demoFiles() []demoFile {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
		"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")
	wav := append([]byte("RIFF\x24\x1f\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x1f\x00\x00"),
		make([]byte, 7936)...)
	pdf := []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj " +
		"3 0 obj<</Type/Page/MediaBox[0 0 200 100]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
	return []demoFile{{"现场照片.png", png}, {"询问录音.wav", wav}, {"责令改正通知书.pdf", pdf}}
}
