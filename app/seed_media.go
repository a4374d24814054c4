package app

import (
	"bytes"
	"context"
	"fmt"
	"io"

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
	return nil
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
