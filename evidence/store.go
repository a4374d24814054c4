package evidence

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Store keeps the full-process record in PostgreSQL.
type Store struct {
	db  *pgxpool.Pool
	now func() time.Time
}

// NewStore returns a store over a pool.
func NewStore(db *pgxpool.Pool) *Store { return &Store{db: db, now: time.Now} }

// chain names where an owner's records and head live. A case and a supervision matter
// keep the same chain (RECORDS.md §7): same columns, canon, head and log.
type chain struct{ records, owner, ownerCol, label string }

var (
	caseChain   = chain{"records", "cases", "case_id", "案件"}
	matterChain = chain{"supervision_records", "supervision_matters", "matter_id", "监督事项"}
)

const recordCols = `id, case_id, seq, stage, kind, note, data, occurred_at, lat, lng, corrects, author_id, author_name,
	created_at, prev_hash, hash, canon, sm3, prev_sm3`

// cols is recordCols with the chain's owner column.
func (ch chain) cols() string { return strings.Replace(recordCols, "case_id", ch.ownerCol, 1) }

func scanRecord(row pgx.CollectableRow) (Record, error) {
	var r Record
	var data string
	var lat, lng *float64
	err := row.Scan(&r.ID, &r.CaseID, &r.Seq, &r.Stage, &r.Kind, &r.Note, &data, &r.OccurredAt, &lat, &lng,
		&r.Corrects, &r.AuthorID, &r.AuthorName, &r.CreatedAt, &r.PrevHash, &r.Hash, &r.Canon, &r.SM3, &r.PrevSM3)
	r.Data = json.RawMessage(data)
	if lat != nil && lng != nil {
		r.Location = &Location{Lat: *lat, Lng: *lng}
	}
	return r, err
}

// appendTx adds r to its case's chain.
func (s *Store) appendTx(ctx context.Context, tx pgx.Tx, r *Record) error {
	return s.appendChainTx(ctx, tx, caseChain, r)
}

// appendChainTx adds r to its owner's chain. The owner's row is locked first, so
// concurrent writers to one chain queue up and each links to the record before it.
func (s *Store) appendChainTx(ctx context.Context, tx pgx.Tx, ch chain, r *Record) error {
	var head int
	err := tx.QueryRow(ctx, `SELECT head_seq, head_hash, head_sm3 FROM `+ch.owner+` WHERE id = $1 FOR UPDATE`, r.CaseID).Scan(&head, &r.PrevHash, &r.PrevSM3)
	if err != nil {
		return enforcement.DBError(err, ch.label)
	}
	if r.Corrects != nil {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+ch.records+` WHERE id = $1 AND `+ch.ownerCol+` = $2)`, *r.Corrects, r.CaseID).Scan(&ok); err != nil {
			return enforcement.DBError(err, "记录")
		}
		if !ok {
			return fault.Field("corrects", "被更正的记录不属于本案")
		}
	}
	r.ID, r.Seq = uuid.New(), head+1
	r.CreatedAt = s.now().UTC().Truncate(time.Microsecond)
	r.OccurredAt = r.OccurredAt.UTC().Truncate(time.Microsecond)
	// Every new record is written under the current canon; the data is stored in it, so
	// what records.json shows is what was hashed.
	r.Canon, r.Location = CanonV2, snapLocation(r.Location)
	if r.Data, err = canonicalData2(r.Data); err != nil {
		return fault.Wrap(err, fault.Internal, "记录内容无法规范化")
	}
	if r.Hash, r.SM3, err = r.Digests(); err != nil {
		return fault.Wrap(err, fault.Internal, "记录内容无法规范化")
	}
	var lat, lng *float64
	if r.Location != nil {
		lat, lng = &r.Location.Lat, &r.Location.Lng
	}
	// One statement writes the record, moves the case's head and queues the new head for
	// the transparency log, so the case row is held for two round trips and the commit.
	_, err = tx.Exec(ctx, `WITH ins AS (INSERT INTO `+ch.records+` (`+ch.cols()+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		RETURNING `+ch.ownerCol+` AS owner, seq, hash, sm3),
		q AS (INSERT INTO log_queue (case_id, seq, head_hash) SELECT owner, seq, hash FROM ins)
		UPDATE `+ch.owner+` c SET head_seq = ins.seq, head_hash = ins.hash, head_sm3 = ins.sm3 FROM ins WHERE c.id = ins.owner`,
		r.ID, r.CaseID, r.Seq, r.Stage, r.Kind, r.Note, string(r.Data), r.OccurredAt, lat, lng, r.Corrects, r.AuthorID,
		r.AuthorName, r.CreatedAt, r.PrevHash, r.Hash, r.Canon, r.SM3, r.PrevSM3)
	return enforcement.DBError(err, "记录")
}

// AppendEntryTx writes a record of the case engine inside its transaction.
func (s *Store) AppendEntryTx(ctx context.Context, tx pgx.Tx, e enforcement.TimelineEntry) error {
	r := Record{CaseID: e.CaseID, Stage: e.Stage, Kind: Kind(e.Kind), Note: e.Note, Data: canonicalData(e.Data),
		OccurredAt: e.OccurredAt, AuthorID: e.AuthorID, AuthorName: e.AuthorName}
	return s.appendTx(ctx, tx, &r)
}

// Append adds a record in a transaction of its own.
func (s *Store) Append(ctx context.Context, r Record) (Record, error) {
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error { return s.appendTx(ctx, tx, &r) })
	return r, enforcement.DBError(err, "记录")
}

// List returns a case's records in order.
func (s *Store) List(ctx context.Context, caseID uuid.UUID) ([]Record, error) {
	return s.listChain(ctx, caseChain, caseID)
}

func (s *Store) listChain(ctx context.Context, ch chain, id uuid.UUID) ([]Record, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+ch.cols()+` FROM `+ch.records+` WHERE `+ch.ownerCol+` = $1 ORDER BY seq`, id)
	rs, err := pgx.CollectRows(rows, scanRecord)
	if rs == nil {
		rs = []Record{}
	}
	return rs, enforcement.DBError(err, "记录")
}

// AppendMatterTx adds a record to a supervision matter's chain (its ID in r.CaseID)
// inside the caller's transaction.
func (s *Store) AppendMatterTx(ctx context.Context, tx pgx.Tx, r Record) (Record, error) {
	err := s.appendChainTx(ctx, tx, matterChain, &r)
	return r, err
}

// MatterRecords returns a supervision matter's records in order.
func (s *Store) MatterRecords(ctx context.Context, matterID uuid.UUID) ([]Record, error) {
	return s.listChain(ctx, matterChain, matterID)
}

// VerifyMatter recomputes a supervision matter's chain against its head.
func (s *Store) VerifyMatter(ctx context.Context, matterID uuid.UUID) (Verification, error) {
	return s.verifyChain(ctx, matterChain, matterID)
}

// Find returns one record.
func (s *Store) Find(ctx context.Context, id uuid.UUID) (Record, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+recordCols+` FROM records WHERE id = $1`, id)
	r, err := pgx.CollectExactlyOneRow(rows, scanRecord)
	return r, enforcement.DBError(err, "记录")
}

// Verify recomputes a case's chain from what PostgreSQL holds now.
func (s *Store) Verify(ctx context.Context, caseID uuid.UUID) (Verification, error) {
	return s.verifyChain(ctx, caseChain, caseID)
}

func (s *Store) verifyChain(ctx context.Context, ch chain, caseID uuid.UUID) (Verification, error) {
	var headSeq int
	var headHash, headSM3 string
	if err := s.db.QueryRow(ctx, `SELECT head_seq, head_hash, head_sm3 FROM `+ch.owner+` WHERE id = $1`, caseID).Scan(&headSeq, &headHash, &headSM3); err != nil {
		return Verification{}, enforcement.DBError(err, ch.label)
	}
	rs, err := s.listChain(ctx, ch, caseID)
	if err != nil {
		return Verification{}, err
	}
	v := Verification{RecordsChecked: len(rs), Problems: verifyChain(rs, headSeq, headHash, ch.label)}
	if len(rs) > 0 && rs[len(rs)-1].SM3 != headSM3 && len(v.Problems) == 0 {
		v.Problems = append(v.Problems, Problem{Seq: headSeq, Code: "head_mismatch",
			Message: ch.label + "登记的最后一条记录的 SM3 摘要（" + short(headSM3) + "）与实际（" + short(rs[len(rs)-1].SM3) + "）不符"})
	}
	v.OK = len(v.Problems) == 0
	return v, nil
}

// CaseIDs lists every case, for verifying them all.
func (s *Store) CaseIDs(ctx context.Context) ([]uuid.UUID, error) {
	rows, _ := s.db.Query(ctx, `SELECT id FROM cases ORDER BY filed_at`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	return ids, enforcement.DBError(err, "案件")
}
