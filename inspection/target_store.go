package inspection

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
)

// ImportTargets loads a JSON array or CSV file of targets. Valid rows are streamed into
// a staging table with COPY; duplicates within the file are rejected after the first
// occurrence; the rest are created or updated in the same transaction. A row that is
// wrong is rejected on its own; a body that cannot be parsed loads nothing.
func (s *Service) ImportTargets(ctx context.Context, a enforcement.Actor, body io.Reader, contentType string) (ImportResult, error) {
	if err := a.Require(enforcement.RoleAdmin); err != nil {
		return ImportResult{}, err
	}
	rows, err := newRowReader(body, contentType)
	if err != nil {
		return ImportResult{}, err
	}
	src := &copySource{rows: rows, region: enforcement.RegionPrefix(a.RegionCode)}
	res := ImportResult{Rejected: []Rejection{}}
	err = pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE target_stage (line integer, code text COLLATE "C", name text,
			type text, region_code text, industry text, risk char(1)) ON COMMIT DROP`); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"target_stage"},
			[]string{"line", "code", "name", "type", "region_code", "industry", "risk"}, src); err != nil {
			if src.err != nil {
				return src.err
			}
			return err
		}
		dups, err := tx.Query(ctx, `SELECT line, code, first FROM (
				SELECT line, code, min(line) OVER (PARTITION BY code) AS first FROM target_stage) d
			WHERE line <> first`)
		if err != nil {
			return err
		}
		var r Rejection
		var first int
		_, err = pgx.ForEachRow(dups, []any{&r.Line, &r.Code, &first}, func() error {
			src.rejected = append(src.rejected, Rejection{Line: r.Line, Code: r.Code,
				Error: "code：统一社会信用代码与第 " + strconv.Itoa(first) + " 行重复"})
			return nil
		})
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `WITH src AS (
				SELECT DISTINCT ON (code) code, name, type, region_code, industry, risk FROM target_stage ORDER BY code, line),
			up AS (
				INSERT INTO inspection_targets AS t (code, name, type, region_code, industry, risk)
				SELECT * FROM src
				ON CONFLICT (code) DO UPDATE SET name = excluded.name, type = excluded.type,
					region_code = excluded.region_code, industry = excluded.industry, risk = excluded.risk, updated_at = now()
				WHERE (t.name, t.type, t.region_code, t.industry, t.risk) IS DISTINCT FROM
					(excluded.name, excluded.type, excluded.region_code, excluded.industry, excluded.risk)
				RETURNING xmax = 0 AS created)
			SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created), (SELECT count(DISTINCT code) FROM target_stage)
			FROM up`).Scan(&res.Created, &res.Updated, &res.Unchanged)
	})
	if err != nil {
		return ImportResult{}, enforcement.DBError(err, "检查对象")
	}
	res.Unchanged -= res.Created + res.Updated
	res.Rejected = append(res.Rejected, src.rejected...)
	// Rejections from parsing come in line order and duplicates after them; one stable
	// sort by line keeps the answer readable.
	slices.SortStableFunc(res.Rejected, func(a, b Rejection) int { return a.Line - b.Line })
	return res, nil
}

const targetCols = `code, name, type, region_code, industry, risk, updated_at`

func scanTarget(row pgx.CollectableRow) (Target, error) {
	var t Target
	err := row.Scan(&t.Code, &t.Name, &t.Type, &t.RegionCode, &t.Industry, &t.Risk, &t.UpdatedAt)
	return t, err
}

// Targets lists the directory within the actor's region.
func (s *Service) Targets(ctx context.Context, a enforcement.Actor, f TargetFilter) (enforcement.List[Target], error) {
	q := enforcement.Query{Select: targetCols, From: "inspection_targets", Order: "code"}
	q.And("region_code LIKE ?", enforcement.RegionPrefix(a.RegionCode)+"%")
	if text := strings.TrimSpace(f.Q); text != "" {
		q.And("(code = upper(?) OR name LIKE '%' || ? || '%')", text)
	}
	if f.Risk != "" {
		q.And("risk = ?", f.Risk)
	}
	if f.Type != "" {
		q.And("type = ?", f.Type)
	}
	if f.RegionCode != "" {
		q.And("region_code LIKE ? || '%'", enforcement.RegionPrefix(f.RegionCode))
	}
	if f.Industry != "" {
		q.And("industry = ?", f.Industry)
	}
	return enforcement.ListPage(ctx, s.Store.db, q, f.Page, scanTarget)
}

// FindTarget returns one target of the directory.
func (s *Service) FindTarget(ctx context.Context, code string) (Target, error) {
	rows, _ := s.Store.db.Query(ctx, `SELECT `+targetCols+` FROM inspection_targets WHERE code = $1`, strings.ToUpper(code))
	t, err := pgx.CollectExactlyOneRow(rows, scanTarget)
	if err != nil {
		return Target{}, enforcement.DBError(err, "检查对象")
	}
	return t, nil
}
