package evidence

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"zhifa/enforcement"
	"zhifa/fault"
)

// LeafData is the entry the transparency log keeps each time a case's chain head moves
// (LOG.md §1): four lines naming the format, the case, the record count and the head hash.
func LeafData(caseID uuid.UUID, seq int, head string) []byte {
	return []byte("zhifa-head-1\n" + caseID.String() + "\n" + strconv.Itoa(seq) + "\n" + head + "\n")
}

// LeafHash is RFC 6962's hash of a leaf: SHA-256(0x00 || data).
func LeafHash(data []byte) tlog.Hash { return tlog.RecordHash(data) }

// Log is the append-only Merkle tree (RFC 6962) over every case's chain heads, with its
// signed checkpoints. A record queues its case's new head in its own transaction, so
// writers never wait on the log; Integrate adds the queue to the tree under one lock;
// Checkpoint signs the tree's size and root.
type Log struct {
	db       *pgxpool.Pool
	signer   note.Signer
	verifier note.Verifiers
	vkey     string
	now      func() time.Time
}

// logLock is the advisory lock that lets one replica at a time grow the tree.
const logLock = 7_001_962

// NewLog opens the log. seedHex is a 32-byte Ed25519 seed in hex (ZHIFA_LOG_KEY); origin
// names the log in its checkpoints and is the key's name.
func NewLog(db *pgxpool.Pool, origin, seedHex string) (*Log, error) {
	seed, err := hex.DecodeString(strings.TrimSpace(seedHex))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("log key: want %d bytes in hex", ed25519.SeedSize)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	vkey, err := note.NewEd25519VerifierKey(origin, priv.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("log origin %q: %w", origin, err)
	}
	parts := strings.SplitN(vkey, "+", 3) // name+hash+key; the base64 key may hold '+'
	skey := "PRIVATE+KEY+" + origin + "+" + parts[1] + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, seed...))
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	return &Log{db: db, signer: s, verifier: note.VerifierList(v), vkey: vkey, now: time.Now}, nil
}

// Origin is the log's name, the first line of its checkpoints.
func (l *Log) Origin() string { return l.signer.Name() }

// VerifierKey is the public key in note form (name+hash+base64), as the portal shows it.
func (l *Log) VerifierKey() string { return l.vkey }

// Checkpoint is a signed statement of the tree's size and root at a time.
type Checkpoint struct {
	Size      int64     `json:"size"`
	RootHash  string    `json:"root_hash"` // hex
	Time      time.Time `json:"time"`
	Signed    string    `json:"checkpoint"` // the signed note, as LOG.md §3 writes it
	CreatedAt time.Time `json:"-"`
}

// hashReader reads stored tree hashes (tlog's layout) from PostgreSQL, with the hashes of
// a batch being written kept in memory.
type hashReader struct {
	ctx context.Context
	q   interface {
		Query(context.Context, string, ...any) (pgx.Rows, error)
	}
	cache map[int64]tlog.Hash
}

func (r *hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var missing []int64
	for _, i := range indexes {
		if _, ok := r.cache[i]; !ok {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		rows, err := r.q.Query(r.ctx, `SELECT idx, hash FROM log_hashes WHERE idx = ANY($1)`, missing)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var i int64
			var h []byte
			if err := rows.Scan(&i, &h); err != nil {
				rows.Close()
				return nil, err
			}
			var hh tlog.Hash
			copy(hh[:], h)
			r.cache[i] = hh
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for k, i := range indexes {
		h, ok := r.cache[i]
		if !ok {
			return nil, fmt.Errorf("log: stored hash %d missing", i)
		}
		out[k] = h
	}
	return out, nil
}

func (l *Log) reader(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) *hashReader {
	return &hashReader{ctx: ctx, q: q, cache: map[int64]tlog.Hash{}}
}

// Size is the number of leaves in the tree.
func (l *Log) Size(ctx context.Context) (int64, error) {
	var n int64
	err := l.db.QueryRow(ctx, `SELECT coalesce(max(idx) + 1, 0) FROM log_leaves`).Scan(&n)
	return n, enforcement.DBError(err, "日志")
}

// integrateBatch is how many queued heads one transaction adds to the tree.
const integrateBatch = 5000

// Integrate adds every queued head to the tree, in queue order, and returns the new size.
func (l *Log) Integrate(ctx context.Context) (int64, error) {
	for {
		n, more, err := l.integrateOnce(ctx)
		if err != nil || !more {
			return n, err
		}
	}
}

func (l *Log) integrateOnce(ctx context.Context) (size int64, more bool, err error) {
	err = pgx.BeginFunc(ctx, l.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, logLock); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(idx) + 1, 0) FROM log_leaves`).Scan(&size); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `SELECT id, case_id, seq, head_hash FROM log_queue ORDER BY id LIMIT $1`, integrateBatch)
		type queued struct {
			id     int64
			caseID uuid.UUID
			seq    int
			head   string
		}
		qs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (queued, error) {
			var q queued
			return q, row.Scan(&q.id, &q.caseID, &q.seq, &q.head)
		})
		if err != nil || len(qs) == 0 {
			return err
		}
		more = len(qs) == integrateBatch
		hr := l.reader(ctx, tx)
		now := l.now().UTC()
		leaves := make([][]any, 0, len(qs))
		var stored [][]any
		ids := make([]int64, 0, len(qs))
		for _, q := range qs {
			lh := tlog.RecordHash(LeafData(q.caseID, q.seq, q.head))
			hs, err := tlog.StoredHashesForRecordHash(size, lh, hr)
			if err != nil {
				return err
			}
			first := tlog.StoredHashIndex(0, size)
			for k, h := range hs {
				hr.cache[first+int64(k)] = h
				stored = append(stored, []any{first + int64(k), h[:]})
			}
			leaves = append(leaves, []any{size, q.caseID, q.seq, q.head, lh[:], now})
			ids = append(ids, q.id)
			size++
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"log_leaves"}, []string{"idx", "case_id", "seq", "head_hash", "leaf_hash", "integrated_at"}, pgx.CopyFromRows(leaves)); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"log_hashes"}, []string{"idx", "hash"}, pgx.CopyFromRows(stored)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM log_queue WHERE id = ANY($1)`, ids)
		return err
	})
	return size, more, enforcement.DBError(err, "日志")
}

// checkpointBody is the checkpoint text before its signature (LOG.md §3).
func checkpointBody(origin string, size int64, root tlog.Hash, at time.Time) string {
	return origin + "\n" + strconv.FormatInt(size, 10) + "\n" + base64.StdEncoding.EncodeToString(root[:]) + "\n" +
		"time " + at.UTC().Format(time.RFC3339) + "\n"
}

// Checkpoint integrates the queue and signs the tree as it then stands, unless the newest
// checkpoint already covers that size and is younger than maxAge. Reading the size and
// signing happen under the log's lock, so checkpoints never go backwards, whichever
// replica or request signs.
func (l *Log) Checkpoint(ctx context.Context, maxAge time.Duration) (Checkpoint, error) {
	if _, err := l.Integrate(ctx); err != nil {
		return Checkpoint{}, err
	}
	var cp Checkpoint
	err := pgx.BeginFunc(ctx, l.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, logLock); err != nil {
			return err
		}
		var size int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(idx) + 1, 0) FROM log_leaves`).Scan(&size); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `SELECT `+checkpointCols+` FROM log_checkpoints ORDER BY id DESC LIMIT 1`)
		latest, err := pgx.CollectRows(rows, scanCheckpoint)
		if err != nil {
			return err
		}
		if len(latest) == 1 && latest[0].Size == size && l.now().Sub(latest[0].Time) < maxAge {
			cp = latest[0]
			return nil
		}
		root, err := tlog.TreeHash(size, l.reader(ctx, tx))
		if err != nil {
			return err
		}
		at := l.now().UTC().Truncate(time.Second)
		signed, err := note.Sign(&note.Note{Text: checkpointBody(l.Origin(), size, root, at)}, l.signer)
		if err != nil {
			return err
		}
		cp = Checkpoint{Size: size, RootHash: hex.EncodeToString(root[:]), Time: at, Signed: string(signed)}
		_, err = tx.Exec(ctx, `INSERT INTO log_checkpoints (size, root_hash, at, signed) VALUES ($1, $2, $3, $4)`,
			cp.Size, root[:], cp.Time, cp.Signed)
		return err
	})
	return cp, enforcement.DBError(err, "日志检查点")
}

// Anchor proves a chain head into the newest checkpoint, signing a new one only when the
// newest does not hold the head yet (so reading pages does not sign at every view). A head
// that was never queued is NotFound.
func (l *Log) Anchor(ctx context.Context, caseID uuid.UUID, seq int, head string) (Checkpoint, Inclusion, error) {
	if _, err := l.Integrate(ctx); err != nil {
		return Checkpoint{}, Inclusion{}, err
	}
	lh := LeafHash(LeafData(caseID, seq, head))
	var idx int64
	err := l.db.QueryRow(ctx, `SELECT idx FROM log_leaves WHERE leaf_hash = $1 ORDER BY idx LIMIT 1`, lh[:]).Scan(&idx)
	if err == pgx.ErrNoRows {
		return Checkpoint{}, Inclusion{}, fault.New(fault.NotFound, "本案最后一条记录不在公开日志中")
	}
	if err != nil {
		return Checkpoint{}, Inclusion{}, enforcement.DBError(err, "日志")
	}
	cp, err := l.Latest(ctx)
	if err != nil && fault.KindOf(err) != fault.NotFound {
		return cp, Inclusion{}, err
	}
	if err != nil || cp.Size <= idx {
		if cp, err = l.Checkpoint(ctx, 0); err != nil {
			return cp, Inclusion{}, err
		}
	}
	in, err := l.ProveInclusion(ctx, hex.EncodeToString(lh[:]), cp.Size)
	return cp, in, err
}

// LogProblems compares every head the log holds for a case with the case's records: a
// logged head whose record is gone was truncated away, one whose record now has another
// hash was rewritten after it was logged. Heads not yet logged are not problems: the log
// only ever vouches for what it holds.
func (l *Log) LogProblems(ctx context.Context, caseID uuid.UUID, recs []Record) ([]Problem, error) {
	if _, err := l.Integrate(ctx); err != nil {
		return nil, err
	}
	rows, _ := l.db.Query(ctx, `SELECT seq, head_hash FROM log_leaves WHERE case_id = $1 ORDER BY seq`, caseID)
	type leaf struct {
		seq  int
		head string
	}
	leaves, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (leaf, error) {
		var x leaf
		return x, row.Scan(&x.seq, &x.head)
	})
	if err != nil {
		return nil, enforcement.DBError(err, "日志")
	}
	bySeq := make(map[int]Record, len(recs))
	for _, r := range recs {
		bySeq[r.Seq] = r
	}
	var out []Problem
	for _, x := range leaves {
		r, ok := bySeq[x.seq]
		switch {
		case !ok:
			out = append(out, Problem{Seq: x.seq, Code: "log_truncated",
				Message: "公开日志记载本案有第 " + strconv.Itoa(x.seq) + " 条记录（" + short(x.head) + "），现已不存在：记录在入日志后被删除"})
		case r.Hash != x.head:
			id := r.ID
			out = append(out, Problem{RecordID: &id, Seq: x.seq, Code: "log_mismatch",
				Message: "第 " + strconv.Itoa(x.seq) + " 条记录的哈希（" + short(r.Hash) + "）与公开日志记载的（" + short(x.head) + "）不同：记录在入日志后被改写"})
		}
	}
	return out, nil
}

const checkpointCols = `size, root_hash, at, signed`

func scanCheckpoint(row pgx.CollectableRow) (Checkpoint, error) {
	var cp Checkpoint
	var root []byte
	err := row.Scan(&cp.Size, &root, &cp.Time, &cp.Signed)
	cp.RootHash, cp.Time = hex.EncodeToString(root), cp.Time.UTC()
	return cp, err
}

// Latest is the newest checkpoint.
func (l *Log) Latest(ctx context.Context) (Checkpoint, error) {
	rows, _ := l.db.Query(ctx, `SELECT `+checkpointCols+` FROM log_checkpoints ORDER BY id DESC LIMIT 1`)
	cp, err := pgx.CollectExactlyOneRow(rows, scanCheckpoint)
	if err == pgx.ErrNoRows {
		return cp, fault.New(fault.NotFound, "日志尚无检查点")
	}
	return cp, enforcement.DBError(err, "日志检查点")
}

// Checkpoints lists checkpoints newest first, those of at most maxSize leaves when it is
// positive (a cursor for paging back).
func (l *Log) Checkpoints(ctx context.Context, limit int, maxSize int64) ([]Checkpoint, error) {
	if maxSize <= 0 {
		maxSize = 1 << 62
	}
	rows, _ := l.db.Query(ctx, `SELECT `+checkpointCols+` FROM log_checkpoints WHERE size <= $2 ORDER BY size DESC, id DESC LIMIT $1`, limit, maxSize)
	cps, err := pgx.CollectRows(rows, scanCheckpoint)
	if cps == nil {
		cps = []Checkpoint{}
	}
	return cps, enforcement.DBError(err, "日志检查点")
}

// CheckpointOf returns the newest checkpoint of a given size.
func (l *Log) CheckpointOf(ctx context.Context, size int64) (Checkpoint, error) {
	rows, _ := l.db.Query(ctx, `SELECT `+checkpointCols+` FROM log_checkpoints WHERE size = $1 ORDER BY id DESC LIMIT 1`, size)
	cp, err := pgx.CollectExactlyOneRow(rows, scanCheckpoint)
	if err == pgx.ErrNoRows {
		return cp, fault.Field("tree_size", "没有树大小为 %d 的检查点", size)
	}
	return cp, enforcement.DBError(err, "日志检查点")
}

// Inclusion is the proof that a leaf is in the tree of a checkpoint.
type Inclusion struct {
	LeafIndex int64    `json:"leaf_index"`
	TreeSize  int64    `json:"tree_size"`
	LeafHash  string   `json:"leaf_hash"`
	CaseID    string   `json:"case_id,omitempty"`
	Seq       int      `json:"seq,omitempty"`
	HeadHash  string   `json:"head_hash,omitempty"`
	Proof     []string `json:"proof"` // hex, from the leaf up (RFC 9162 §2.1.3)
}

// Consistency is the proof that the tree of size to extends the tree of size from.
type Consistency struct {
	From  int64    `json:"from"`
	To    int64    `json:"to"`
	Proof []string `json:"proof"`
}

// ProveInclusion proves the leaf with the given hash (hex) into the tree of treeSize.
func (l *Log) ProveInclusion(ctx context.Context, leafHex string, treeSize int64) (Inclusion, error) {
	lh, err := hex.DecodeString(leafHex)
	if err != nil || len(lh) != 32 {
		return Inclusion{}, fault.Field("leaf_hash", "叶哈希应为 64 位十六进制")
	}
	var in Inclusion
	err = l.db.QueryRow(ctx, `SELECT idx, case_id, seq, head_hash FROM log_leaves WHERE leaf_hash = $1 ORDER BY idx LIMIT 1`, lh).
		Scan(&in.LeafIndex, &in.CaseID, &in.Seq, &in.HeadHash)
	if err == pgx.ErrNoRows {
		return in, fault.New(fault.NotFound, "日志中没有这一叶（新的记录约一分钟内入日志）")
	}
	if err != nil {
		return in, enforcement.DBError(err, "日志")
	}
	in.TreeSize, in.LeafHash = treeSize, hex.EncodeToString(lh)
	if in.LeafIndex >= treeSize {
		return in, fault.Field("tree_size", "这一叶在树大小 %d 之后才加入（序号 %d）", treeSize, in.LeafIndex)
	}
	p, err := tlog.ProveRecord(treeSize, in.LeafIndex, l.reader(ctx, l.db))
	if err != nil {
		return in, enforcement.DBError(err, "日志")
	}
	in.Proof = hexes(p)
	return in, nil
}

// ProveConsistency proves that the tree of size to contains the tree of size from.
func (l *Log) ProveConsistency(ctx context.Context, from, to int64) (Consistency, error) {
	c := Consistency{From: from, To: to, Proof: []string{}}
	size, err := l.Size(ctx)
	if err != nil {
		return c, err
	}
	switch {
	case from < 1 || to < from:
		return c, fault.Field("from", "应满足 1 ≤ from ≤ to")
	case to > size:
		return c, fault.Field("to", "日志目前只有 %d 叶", size)
	case from == to:
		return c, nil
	}
	p, err := tlog.ProveTree(to, from, l.reader(ctx, l.db))
	if err != nil {
		return c, enforcement.DBError(err, "日志")
	}
	c.Proof = hexes(p)
	return c, nil
}

func hexes(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = hex.EncodeToString(h[:])
	}
	return out
}

// OpenCheckpoint checks a signed checkpoint against the log's key and returns its fields.
func (l *Log) OpenCheckpoint(signed []byte) (size int64, root tlog.Hash, at time.Time, err error) {
	return OpenCheckpoint(signed, l.vkey)
}

// OpenCheckpoint checks a signed checkpoint against a verifier key (name+hash+base64)
// and returns its size, root and time.
func OpenCheckpoint(signed []byte, vkey string) (size int64, root tlog.Hash, at time.Time, err error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return 0, root, at, fmt.Errorf("公钥格式无效（应为“名称+密钥哈希+base64”）")
	}
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		return 0, root, at, fmt.Errorf("检查点的签名无效：不是这一公钥签发的，或内容被改动过")
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 4 || lines[0] != v.Name() || !strings.HasPrefix(lines[3], "time ") {
		return 0, root, at, fmt.Errorf("检查点格式不符")
	}
	if size, err = strconv.ParseInt(lines[1], 10, 64); err != nil || size < 0 {
		return 0, root, at, fmt.Errorf("检查点的树大小无效")
	}
	r, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(r) != 32 {
		return 0, root, at, fmt.Errorf("检查点的根哈希无效")
	}
	copy(root[:], r)
	if at, err = time.Parse(time.RFC3339, strings.TrimPrefix(lines[3], "time ")); err != nil {
		return 0, root, at, fmt.Errorf("检查点的时间无效")
	}
	return size, root, at, nil
}

// CheckInclusion verifies an inclusion proof against a root by LOG.md §4 (RFC 9162
// §2.1.3.2), written from the text rather than taken from the library that made the proof.
func CheckInclusion(in Inclusion, root tlog.Hash) error {
	p, err := unhexes(in.Proof)
	if err != nil {
		return err
	}
	b, err := hex.DecodeString(in.LeafHash)
	if err != nil || len(b) != 32 {
		return fmt.Errorf("叶哈希无效")
	}
	if in.LeafIndex < 0 || in.LeafIndex >= in.TreeSize {
		return fmt.Errorf("叶序号 %d 不在树大小 %d 之内", in.LeafIndex, in.TreeSize)
	}
	var r tlog.Hash
	copy(r[:], b)
	fn, sn := in.LeafIndex, in.TreeSize-1
	for _, h := range p {
		if sn == 0 {
			return fmt.Errorf("包含证明过长")
		}
		if fn%2 == 1 || fn == sn {
			r = tlog.NodeHash(h, r)
			if fn%2 == 0 {
				for fn%2 == 0 && fn != 0 {
					fn, sn = fn>>1, sn>>1
				}
			}
		} else {
			r = tlog.NodeHash(r, h)
		}
		fn, sn = fn>>1, sn>>1
	}
	if sn != 0 || r != root {
		return fmt.Errorf("包含证明与根哈希不符")
	}
	return nil
}

// CheckConsistency verifies that the tree of size to (root second) extends the tree of
// size from (root first), by LOG.md §4 (RFC 9162 §2.1.4.2).
func CheckConsistency(c Consistency, first, second tlog.Hash) error {
	p, err := unhexes(c.Proof)
	if err != nil {
		return err
	}
	switch {
	case c.From < 1 || c.To < c.From:
		return fmt.Errorf("树大小无效")
	case c.From == c.To:
		if len(p) != 0 || first != second {
			return fmt.Errorf("同一树大小的根哈希不同")
		}
		return nil
	}
	if len(p) == 0 {
		return fmt.Errorf("一致性证明为空")
	}
	if c.From&(c.From-1) == 0 { // a power of two: the old tree is a subtree of the new
		p = append([]tlog.Hash{first}, p...)
	}
	fn, sn := c.From-1, c.To-1
	for fn%2 == 1 {
		fn, sn = fn>>1, sn>>1
	}
	fr, sr := p[0], p[0]
	for _, h := range p[1:] {
		if sn == 0 {
			return fmt.Errorf("一致性证明过长")
		}
		if fn%2 == 1 || fn == sn {
			fr, sr = tlog.NodeHash(h, fr), tlog.NodeHash(h, sr)
			if fn%2 == 0 {
				for fn%2 == 0 && fn != 0 {
					fn, sn = fn>>1, sn>>1
				}
			}
		} else {
			sr = tlog.NodeHash(sr, h)
		}
		fn, sn = fn>>1, sn>>1
	}
	if sn != 0 || fr != first || sr != second {
		return fmt.Errorf("一致性证明与两个根哈希不符")
	}
	return nil
}

func unhexes(ss []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(ss))
	for i, s := range ss {
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("证明的第 %d 个哈希无效", i+1)
		}
		copy(out[i][:], b)
	}
	return out, nil
}
