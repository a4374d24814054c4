package inspection

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Draw runs a frozen task's draw: the pools come from Redis (rebuilt there first if they
// were lost), the selection and assignment follow LOTTERY.md, and the draw with all its
// checks is committed in one transaction or not at all. A task is drawn once.
func (s *Service) Draw(ctx context.Context, a enforcement.Actor, taskID uuid.UUID, in DrawInput) (Draw, error) {
	if err := a.Require(enforcement.RoleSupervisor, enforcement.RoleAdmin); err != nil {
		return Draw{}, err
	}
	if err := in.Validate(); err != nil {
		return Draw{}, err
	}
	t, err := s.FindTask(ctx, a, taskID)
	if err != nil {
		return Draw{}, err
	}
	if t.State != TaskFrozen {
		return Draw{}, fault.New(fault.Conflict, "该任务已经抽取过（%s），每个任务只能抽取一次", t.State.Label())
	}
	h, err := s.Pools.Ensure(ctx, s, &t)
	if err != nil {
		return Draw{}, err
	}
	seed := Seed(t.secret, in.Witness)
	sel, err := Run(seed, h, s.Pools.Reader(ctx, t.ID))
	if errors.Is(err, ErrInfeasible) {
		return Draw{}, fault.Wrap(err, fault.Conflict, "按冻结的规则无法为抽中的对象分配检查人员，本次未产生抽取结果")
	}
	if err != nil {
		return Draw{}, err
	}
	d := Draw{ID: uuid.New(), TaskID: t.ID, TaskName: t.Name, Algorithm: Algorithm, Witness: in.Witness,
		Seed: hex.EncodeToString(seed), Secret: hex.EncodeToString(t.secret), Commitment: t.SeedCommitment,
		PoolHash: t.PoolHash, PoolSize: t.PoolSize, ResultHash: ResultHash(h, sel), SelectedCount: len(sel.Codes),
		State: "valid", DrawnAt: s.Cases.Now()}
	day := enforcement.DateOf(d.DrawnAt)
	drawnOn := pgtype.Date{Time: time.Date(day.Year, day.Month, day.Day, 0, 0, 0, 0, time.UTC), Valid: true}
	drawUUID, taskUUID := pgtype.UUID{Bytes: d.ID, Valid: true}, pgtype.UUID{Bytes: t.ID, Valid: true}
	d.Selected = make([]SelectedItem, len(sel.Codes))
	for i, code := range sel.Codes {
		ids := make([]uuid.UUID, len(sel.Inspectors[i]))
		for j, k := range sel.Inspectors[i] {
			ids[j] = h.Inspectors[k].OfficerID
		}
		d.Selected[i] = SelectedItem{Seq: i + 1, TargetCode: code, InspectorIDs: ids}
	}
	err = pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) error {
		var state TaskState
		if err := tx.QueryRow(ctx, `SELECT state FROM inspection_tasks WHERE id = $1 FOR UPDATE`, t.ID).Scan(&state); err != nil {
			return err
		}
		if state != TaskFrozen {
			return fault.New(fault.Conflict, "该任务已经抽取过，每个任务只能抽取一次")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO inspection_draws (id, task_id, witness, seed, result_hash, selected_count, state, drawn_by, drawn_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'valid', $7, $8)`, d.ID, t.ID, d.Witness, d.Seed, d.ResultHash, d.SelectedCount, a.UserID, d.DrawnAt); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"inspection_checks"},
			[]string{"id", "draw_id", "task_id", "seq", "target_code", "inspector_ids", "drawn_on", "state"},
			pgx.CopyFromSlice(len(d.Selected), func(i int) ([]any, error) {
				// pgtype values encode straight to binary; uuid.UUID would go through
				// driver.Valuer and text for each of the draw's rows.
				it := d.Selected[i]
				ids := make([]pgtype.UUID, len(it.InspectorIDs))
				for j, id := range it.InspectorIDs {
					ids[j] = pgtype.UUID{Bytes: id, Valid: true}
				}
				return []any{pgtype.UUID{Bytes: uuid.Must(uuid.NewV7()), Valid: true}, drawUUID, taskUUID, int32(it.Seq), it.TargetCode, ids, drawnOn, "assigned"}, nil
			})); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE inspection_tasks SET state = 'drawn' WHERE id = $1`, t.ID)
		return err
	})
	if err != nil {
		return Draw{}, enforcement.DBError(err, "该任务的抽取结果")
	}
	if err := s.Pools.Drop(context.WithoutCancel(ctx), t.ID); err != nil && s.Warn != nil {
		s.Warn("drawn pool left in Redis", err)
	}
	return d, nil
}

const drawCols = `d.id, d.task_id, t.name, t.algorithm, d.witness, d.seed, t.secret, t.commitment, t.pool_hash, t.pool_size,
	d.result_hash, d.selected_count, d.state, d.cancel_reason, d.cancelled_at, d.drawn_at`

func scanDraw(row pgx.CollectableRow) (Draw, error) {
	var d Draw
	var secret []byte
	err := row.Scan(&d.ID, &d.TaskID, &d.TaskName, &d.Algorithm, &d.Witness, &d.Seed, &secret, &d.Commitment, &d.PoolHash,
		&d.PoolSize, &d.ResultHash, &d.SelectedCount, &d.State, &d.CancelReason, &d.CancelledAt, &d.DrawnAt)
	d.Secret = hex.EncodeToString(secret) // a drawn task's secret is public
	return d, err
}

// FindDraw returns a draw of any region: draws are public once made.
func (s *Service) FindDraw(ctx context.Context, id uuid.UUID) (Draw, error) {
	rows, _ := s.Store.db.Query(ctx, `SELECT `+drawCols+` FROM inspection_draws d JOIN inspection_tasks t ON t.id = d.task_id WHERE d.id = $1`, id)
	d, err := pgx.CollectExactlyOneRow(rows, scanDraw)
	if err != nil {
		return Draw{}, enforcement.DBError(err, "抽取结果")
	}
	return d, nil
}

// Selected lists a draw's targets in the order drawn, with names and inspectors.
func (s *Service) Selected(ctx context.Context, drawID uuid.UUID, p enforcement.Page) (enforcement.List[SelectedItem], error) {
	return enforcement.ListPage(ctx, s.Store.db, enforcement.Query{
		Select: `c.seq, c.target_code, coalesce(tg.name, ''), coalesce(tg.risk, ''), c.inspector_ids,
			ARRAY(SELECT o.name || '（' || ag.name || '）' FROM unnest(c.inspector_ids) WITH ORDINALITY u(id, n)
				JOIN officers o ON o.id = u.id JOIN agencies ag ON ag.id = o.agency_id ORDER BY u.n)`,
		From:  "inspection_checks c LEFT JOIN inspection_targets tg ON tg.code = c.target_code",
		Where: []string{"c.draw_id = $1"}, Order: "c.seq", Args: []any{drawID}}, p,
		func(row pgx.CollectableRow) (SelectedItem, error) {
			var it SelectedItem
			err := row.Scan(&it.Seq, &it.TargetCode, &it.TargetName, &it.Risk, &it.InspectorIDs, &it.Inspectors)
			return it, err
		})
}

// WriteResult writes a draw's result listing as stored, in the canonical form whose
// hash is the result hash.
func (s *Service) WriteResult(ctx context.Context, drawID uuid.UUID, w io.Writer) error {
	rows, _ := s.Store.db.Query(ctx, `SELECT seq, target_code, inspector_ids FROM inspection_checks WHERE draw_id = $1 ORDER BY seq`, drawID)
	var seq int
	var code string
	var ids []uuid.UUID
	var line []byte
	_, err := pgx.ForEachRow(rows, []any{&seq, &code, &ids}, func() error {
		line = appendResultLine(line[:0], seq, code, ids)
		_, err := w.Write(line)
		return err
	})
	return err
}

// CancelInput gives the reason a draw is cancelled.
type CancelInput struct {
	Reason string `json:"reason"`
}

// Cancel voids a draw with its reason: it stays on the record, its checks are cancelled
// and its task can only be drawn again as a new task that refers to it.
func (s *Service) Cancel(ctx context.Context, a enforcement.Actor, drawID uuid.UUID, in CancelInput) (Draw, error) {
	if err := a.Require(enforcement.RoleSupervisor, enforcement.RoleAdmin); err != nil {
		return Draw{}, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" || utf8.RuneCountInString(in.Reason) > 500 {
		return Draw{}, fault.Field("reason", "请填写作废理由，不超过 500 字")
	}
	err := pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) error {
		var state string
		err := tx.QueryRow(ctx, `SELECT d.state FROM inspection_draws d JOIN inspection_tasks t ON t.id = d.task_id
			WHERE d.id = $1 AND t.region_code LIKE $2 || '%' FOR UPDATE OF d`, drawID, enforcement.RegionPrefix(a.RegionCode)).Scan(&state)
		if err != nil {
			return err
		}
		if state != "valid" {
			return fault.New(fault.Conflict, "该抽取结果已作废")
		}
		refuseResults := func() error {
			var done int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM inspection_checks WHERE draw_id = $1 AND state = 'done'`, drawID).Scan(&done); err != nil {
				return err
			}
			if done > 0 {
				return fault.New(fault.Conflict, "已有 %d 项检查录入了结果，不能作废本次抽取", done)
			}
			return nil
		}
		if err := refuseResults(); err != nil {
			return err
		}
		// A result being entered holds its check's row: this update waits for it and then
		// skips the check, which is no longer assigned, and the count after it (a statement
		// of its own, so it sees that result) refuses the cancellation. Without the second
		// count the result would be overwritten as cancelled.
		if _, err := tx.Exec(ctx, `UPDATE inspection_checks SET state = 'cancelled' WHERE draw_id = $1 AND state = 'assigned'`, drawID); err != nil {
			return err
		}
		if err := refuseResults(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE inspection_draws SET state = 'cancelled', cancel_reason = $2, cancelled_by = $3, cancelled_at = $4
			WHERE id = $1`, drawID, in.Reason, a.UserID, s.Cases.Now()); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE inspection_tasks SET state = 'cancelled' WHERE id = (SELECT task_id FROM inspection_draws WHERE id = $1)`, drawID)
		return err
	})
	if err != nil {
		return Draw{}, enforcement.DBError(err, "抽取结果")
	}
	return s.FindDraw(ctx, drawID)
}

// Redraw creates a new task with the rules of a task whose draw was cancelled; its pools
// are frozen anew from today's directories under a fresh commitment.
func (s *Service) Redraw(ctx context.Context, a enforcement.Actor, taskID uuid.UUID) (Task, error) {
	t, err := s.FindTask(ctx, a, taskID)
	if err != nil {
		return Task{}, err
	}
	due := t.DueDate
	if today := s.Cases.Today().String(); due < today {
		due = today
	}
	return s.CreateTask(ctx, a, TaskInput{Name: t.Name + "（重新抽取）", MatterIDs: t.MatterIDs, AgencyIDs: t.AgencyIDs,
		Filter: t.Filter, Ratios: t.Quota.Ratios, Counts: t.Quota.Counts, InspectorsPerTarget: t.InspectorsPerTarget,
		InspectorField: t.InspectorField, ExcludeDays: t.ExcludeDays, YearlyCap: t.YearlyCap, DueDate: due, RedrawOf: &t.ID})
}

// Verify re-runs a draw from zhifa's own records: the pool listing rebuilt from the frozen
// chunks, and the checks stored.
func (s *Service) Verify(ctx context.Context, drawID uuid.UUID) (Verification, error) {
	d, err := s.FindDraw(ctx, drawID)
	if err != nil {
		return Verification{}, err
	}
	t, err := s.findTask(ctx, d.TaskID, "")
	if err != nil {
		return Verification{}, err
	}
	return s.VerifyDraw(ctx, &d, &t)
}

// VerifyDraw is Verify for a draw and its task already loaded.
func (s *Service) VerifyDraw(ctx context.Context, d *Draw, t *Task) (Verification, error) {
	start := time.Now()
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(s.WriteListing(ctx, t, pw)) }()
	defer pr.Close()
	return verifyDraw(start, d, t, pr, func(w io.Writer) error { return s.WriteResult(ctx, d.ID, w) })
}
