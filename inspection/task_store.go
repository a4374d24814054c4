package inspection

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// chunkCodes is how many codes one stored chunk of a frozen pool holds (1.2 MB).
const chunkCodes = 65536

// poolWhere builds the condition on inspection_targets t that makes a target eligible
// for a task: its filter, and not checked within the exclusion window or as often as the
// yearly cap allows.
func poolWhere(in *TaskInput, regionPrefix string, today enforcement.Date) (string, []any) {
	var q enforcement.Query
	q.And("t.region_code LIKE ?", regionPrefix+"%")
	if in.Filter.Type != "" {
		q.And("t.type = ?", in.Filter.Type)
	}
	if in.Filter.RegionCode != "" {
		q.And("t.region_code LIKE ?", enforcement.RegionPrefix(in.Filter.RegionCode)+"%")
	}
	if in.Filter.Industry != "" {
		q.And("t.industry = ?", in.Filter.Industry)
	}
	if in.ExcludeDays > 0 || in.YearlyCap > 0 {
		yearStart := enforcement.MustDate(today.Year, time.January, 1)
		from := yearStart
		var window enforcement.Date
		if in.ExcludeDays > 0 {
			window = today.AddDays(-in.ExcludeDays)
			if window.Before(from) {
				from = window
			}
		} else {
			window = today.AddDays(1)
		}
		cap := in.YearlyCap
		if cap == 0 {
			cap = 1 << 30
		}
		q.Where = append(q.Where, `t.code NOT IN (SELECT target_code FROM inspection_checks
			WHERE state <> 'cancelled' AND drawn_on >= `+q.Arg(from.String())+`::date GROUP BY target_code
			HAVING max(drawn_on) > `+q.Arg(window.String())+`::date OR count(*) FILTER (WHERE drawn_on >= `+q.Arg(yearStart.String())+`::date) >= `+q.Arg(cap)+`)`)
	}
	return strings.Join(q.Where, " AND "), q.Args
}

// CreateTask checks the rules against the data and freezes the task's pools in one
// transaction: the eligible targets in canonical order, the inspectors, the conflicts
// among them, the listing's hash and the commitment to a fresh secret. A task whose rules
// cannot be met is refused and nothing is frozen. The pool is then copied to Redis.
func (s *Service) CreateTask(ctx context.Context, a enforcement.Actor, in TaskInput) (Task, error) {
	if err := a.Require(enforcement.RoleSupervisor, enforcement.RoleAdmin); err != nil {
		return Task{}, err
	}
	prefix := enforcement.RegionPrefix(a.RegionCode)
	today := s.Cases.Today()
	if err := in.Validate(today, prefix); err != nil {
		return Task{}, err
	}
	floor, err := s.Floor(ctx, a.RegionCode)
	if err != nil {
		return Task{}, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return Task{}, err
	}
	id := uuid.New()
	var h *Header
	err = pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) error {
		if err := checkTaskRefs(ctx, tx, &in, prefix); err != nil {
			return err
		}
		where, args := poolWhere(&in, prefix, today)
		quota := Quota{Ratios: in.Ratios, Counts: in.Counts}
		_, err := tx.Exec(ctx, `INSERT INTO inspection_tasks (id, region_code, name, matter_ids, agency_ids, filter,
				inspectors_per_target, exclude_days, yearly_cap, quota, inspector_field, due_date, strata, algorithm,
				secret, commitment, pool_hash, pool_size, listing_size, state, redraw_of, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, '[]', $13, $14, $15, '', 0, 0, 'frozen', $16, $17, $18)`,
			id, prefix, in.Name, in.MatterIDs, in.AgencyIDs, in.Filter, in.InspectorsPerTarget, in.ExcludeDays, in.YearlyCap,
			quota, in.InspectorField, in.DueDate, Algorithm, secret, Commit(secret), in.RedrawOf, a.UserID, s.Cases.Now())
		if err != nil {
			return enforcement.DBError(err, "该任务的重新抽取任务")
		}
		_, err = tx.Exec(ctx, `INSERT INTO inspection_pool_chunks (task_id, risk, chunk, codes)
			SELECT $`+strconv.Itoa(len(args)+1)+`, risk, rn / `+strconv.Itoa(chunkCodes)+`, convert_to(string_agg(code, '' ORDER BY code), 'UTF8')
			FROM (SELECT t.code, t.risk, row_number() OVER (PARTITION BY t.risk ORDER BY t.code) - 1 AS rn
				FROM inspection_targets t WHERE `+where+`) s
			GROUP BY risk, rn / `+strconv.Itoa(chunkCodes), append(args, id)...)
		if err != nil {
			return err
		}
		sizes := map[string]int{}
		rows, _ := tx.Query(ctx, `SELECT risk, (sum(length(codes)) / `+strconv.Itoa(CodeLen)+`)::int FROM inspection_pool_chunks
			WHERE task_id = $1 GROUP BY risk`, id)
		var risk string
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&risk, &n}, func() error { sizes[risk] = n; return nil }); err != nil {
			return err
		}
		strata, err := in.strata(sizes, floor)
		if err != nil {
			return err
		}
		h = &Header{TaskID: id, Commitment: Commit(secret), InspectorsPerTarget: in.InspectorsPerTarget,
			Joint: len(in.AgencyIDs) > 1, Strata: strata}
		if h.Inspectors, err = frozenInspectors(ctx, tx, &in); err != nil {
			return err
		}
		byTarget, err := frozenConflicts(ctx, tx, h, where, args)
		if err != nil {
			return err
		}
		if err := checkTeams(h, byTarget); err != nil {
			return err
		}
		d := sha256.New()
		cw := &countingWriter{w: d}
		if err := writeListing(ctx, tx, h, cw); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"inspection_task_inspectors"}, []string{"task_id", "officer_id", "agency_id"},
			pgx.CopyFromSlice(len(h.Inspectors), func(i int) ([]any, error) {
				return []any{id, h.Inspectors[i].OfficerID, h.Inspectors[i].AgencyID}, nil
			})); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"inspection_task_conflicts"}, []string{"task_id", "officer_id", "target_code"},
			pgx.CopyFromSlice(len(h.Conflicts), func(i int) ([]any, error) {
				return []any{id, h.Conflicts[i].OfficerID, h.Conflicts[i].TargetCode}, nil
			})); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE inspection_tasks SET strata = $2, pool_hash = $3, pool_size = $4, listing_size = $5 WHERE id = $1`,
			id, strata, hex.EncodeToString(d.Sum(nil)), h.Size(), cw.n)
		return err
	})
	if err != nil {
		return Task{}, enforcement.DBError(err, "抽查任务")
	}
	t, err := s.FindTask(ctx, a, id)
	if err != nil {
		return Task{}, err
	}
	// The copy in Redis is made now so the draw is quick; a draw rebuilds it if lost.
	if err := s.Pools.Build(ctx, s, &t, h); err != nil && s.Warn != nil {
		s.Warn("inspection pool not copied to Redis; the draw will build it", err)
	}
	return t, nil
}

func checkTaskRefs(ctx context.Context, tx pgx.Tx, in *TaskInput, prefix string) error {
	var agencies, matters int
	err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM agencies WHERE id = ANY($1) AND region_code LIKE $3),
			(SELECT count(*) FROM inspection_matters WHERE id = ANY($2) AND agency_id = ANY($1))`,
		in.AgencyIDs, in.MatterIDs, prefix+"%").Scan(&agencies, &matters)
	switch {
	case err != nil:
		return err
	case agencies != len(in.AgencyIDs):
		return fault.Field("agency_ids", "参与机关不存在或不在本辖区")
	case matters != len(in.MatterIDs):
		return fault.Field("matter_ids", "抽查事项不存在，或不属于参与机关")
	}
	if in.RedrawOf != nil {
		var state TaskState
		if err := tx.QueryRow(ctx, `SELECT state FROM inspection_tasks WHERE id = $1 AND region_code = $2`, *in.RedrawOf, prefix).Scan(&state); err != nil {
			return enforcement.DBError(err, "被重新抽取的任务")
		}
		if state != TaskCancelled {
			return fault.Field("redraw_of", "只有抽取结果已作废的任务才能重新抽取")
		}
	}
	return nil
}

func frozenInspectors(ctx context.Context, tx pgx.Tx, in *TaskInput) ([]PoolInspector, error) {
	q := `SELECT o.id, o.agency_id FROM officers o WHERE o.agency_id = ANY($1) AND o.status = 'active' AND o.cert_valid_until >= $2`
	args := []any{in.AgencyIDs, in.DueDate}
	if in.InspectorField != "" {
		q += ` AND ($3 = ANY(o.fields) OR $3 = ANY(o.expertise))`
		args = append(args, in.InspectorField)
	}
	rows, _ := tx.Query(ctx, q, args...)
	return pgx.CollectRows(rows, pgx.RowToStructByPos[PoolInspector])
}

func frozenConflicts(ctx context.Context, tx pgx.Tx, h *Header, where string, args []any) (map[string][]uuid.UUID, error) {
	ids := make([]uuid.UUID, len(h.Inspectors))
	for i, in := range h.Inspectors {
		ids[i] = in.OfficerID
	}
	rows, _ := tx.Query(ctx, `SELECT c.officer_id, c.target_code FROM inspection_conflicts c
		WHERE c.officer_id = ANY($`+strconv.Itoa(len(args)+1)+`) AND c.target_code IN (SELECT t.code FROM inspection_targets t WHERE `+where+`)`,
		append(args, ids)...)
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[PoolConflict])
	if err != nil {
		return nil, err
	}
	h.Conflicts = cs
	h.sortCanonical()
	by := map[string][]uuid.UUID{}
	for _, c := range cs {
		by[c.TargetCode] = append(by[c.TargetCode], c.OfficerID)
	}
	return by, nil
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// writeListing writes the canonical pool listing from the stored chunks, one chunk in
// memory at a time.
func writeListing(ctx context.Context, q querier, h *Header, w io.Writer) error {
	lw := NewListingWriter(w, h)
	rows, _ := q.Query(ctx, `SELECT risk, codes FROM inspection_pool_chunks WHERE task_id = $1 ORDER BY risk, chunk`, h.TaskID)
	var risk string
	var codes []byte
	if _, err := pgx.ForEachRow(rows, []any{&risk, &codes}, func() error { return lw.Codes(risk, codes) }); err != nil {
		return err
	}
	return lw.Close()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

const taskCols = `t.id, t.region_code, t.name, t.matter_ids, t.agency_ids, t.filter, t.quota, t.inspectors_per_target,
	t.inspector_field, t.exclude_days, t.yearly_cap, t.due_date::text, t.strata, t.algorithm, t.commitment, t.pool_hash,
	t.pool_size, t.listing_size, (SELECT count(*) FROM inspection_task_inspectors i WHERE i.task_id = t.id)::int,
	t.state, t.redraw_of, d.id, t.created_at, t.secret`

func scanTask(row pgx.CollectableRow) (Task, error) {
	var t Task
	err := row.Scan(&t.ID, &t.RegionCode, &t.Name, &t.MatterIDs, &t.AgencyIDs, &t.Filter, &t.Quota, &t.InspectorsPerTarget,
		&t.InspectorField, &t.ExcludeDays, &t.YearlyCap, &t.DueDate, &t.Strata, &t.Algorithm, &t.SeedCommitment, &t.PoolHash,
		&t.PoolSize, &t.ListingSize, &t.Inspectors, &t.State, &t.RedrawOf, &t.DrawID, &t.CreatedAt, &t.secret)
	return t, err
}

const taskFrom = `inspection_tasks t LEFT JOIN inspection_draws d ON d.task_id = t.id`

// FindTask returns a task of the actor's region.
func (s *Service) FindTask(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Task, error) {
	return s.findTask(ctx, id, enforcement.RegionPrefix(a.RegionCode))
}

func (s *Service) findTask(ctx context.Context, id uuid.UUID, prefix string) (Task, error) {
	rows, _ := s.Store.db.Query(ctx, `SELECT `+taskCols+` FROM `+taskFrom+` WHERE t.id = $1 AND t.region_code LIKE $2 || '%'`, id, prefix)
	t, err := pgx.CollectExactlyOneRow(rows, scanTask)
	return t, enforcement.DBError(err, "抽查任务")
}

// TaskFilter narrows the list of tasks.
type TaskFilter struct {
	State TaskState
	Page  enforcement.Page
}

// Tasks lists the tasks of the actor's region, newest first; prefix "" lists every
// region, as the portal does.
func (s *Service) Tasks(ctx context.Context, prefix string, f TaskFilter) (enforcement.List[Task], error) {
	args := []any{prefix + "%"}
	where := []string{"t.region_code LIKE $1"}
	if f.State != "" {
		args = append(args, f.State)
		where = append(where, "t.state = $2")
	}
	return enforcement.ListPage(ctx, s.Store.db, enforcement.Query{Select: taskCols, From: taskFrom, Where: where,
		Order: "t.created_at DESC", Args: args}, f.Page, scanTask)
}

// header loads a frozen task's header from PostgreSQL.
func (s *Service) header(ctx context.Context, t *Task) (*Header, error) {
	h := &Header{TaskID: t.ID, Commitment: t.SeedCommitment, InspectorsPerTarget: t.InspectorsPerTarget, Joint: t.Joint(), Strata: t.Strata}
	rows, _ := s.Store.db.Query(ctx, `SELECT officer_id, agency_id FROM inspection_task_inspectors WHERE task_id = $1`, t.ID)
	var err error
	if h.Inspectors, err = pgx.CollectRows(rows, pgx.RowToStructByPos[PoolInspector]); err != nil {
		return nil, err
	}
	rows, _ = s.Store.db.Query(ctx, `SELECT officer_id, target_code FROM inspection_task_conflicts WHERE task_id = $1`, t.ID)
	if h.Conflicts, err = pgx.CollectRows(rows, pgx.RowToStructByPos[PoolConflict]); err != nil {
		return nil, err
	}
	h.sortCanonical()
	return h, nil
}

// WriteListing writes a task's published pool listing.
func (s *Service) WriteListing(ctx context.Context, t *Task, w io.Writer) error {
	h, err := s.header(ctx, t)
	if err != nil {
		return err
	}
	return writeListing(ctx, s.Store.db, h, w)
}

// PublicTask returns a task of any region: tasks, their pools and commitments are public
// from the moment they are frozen.
func (s *Service) PublicTask(ctx context.Context, id uuid.UUID) (Task, error) {
	return s.findTask(ctx, id, "")
}

// Names returns the names of a task's matters and agencies, for pages.
func (s *Service) Names(ctx context.Context, t *Task) (matters, agencies []string, err error) {
	err = s.Store.db.QueryRow(ctx, `SELECT
		ARRAY(SELECT m.name FROM inspection_matters m WHERE m.id = ANY($1) ORDER BY m.name),
		ARRAY(SELECT a.name FROM agencies a WHERE a.id = ANY($2) ORDER BY a.name)`, t.MatterIDs, t.AgencyIDs).Scan(&matters, &agencies)
	return matters, agencies, err
}
