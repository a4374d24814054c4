package enforcement

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Bulk is a set of rows loaded together with their IDs fixed by the caller, as the
// demo seed does.
type Bulk struct {
	Agencies []Agency
	Officers []Officer
	Users    []User
}

// Load copies a bulk set into the database in one transaction: all of it or none.
func (s *Store) Load(ctx context.Context, b Bulk) error {
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		// Parents before children: the foreign key on parent_id is checked row by row.
		for _, a := range b.Agencies {
			if _, err := tx.Exec(ctx, `INSERT INTO agencies (id, name, short_name, code, region_code, parent_id, kind, phone)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.ID, a.Name, a.ShortName, a.Code, a.RegionCode, a.ParentID, a.Kind, a.Phone); err != nil {
				return err
			}
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"officers"},
			[]string{"id", "agency_id", "name", "cert_no", "fields", "cert_valid_until", "status", "training_hours"},
			pgx.CopyFromSlice(len(b.Officers), func(i int) ([]any, error) {
				o := b.Officers[i]
				return []any{o.ID, o.AgencyID, o.Name, o.CertNo, o.Fields, o.CertValidUntil, string(o.Status), o.TrainingHours}, nil
			}))
		if err != nil {
			return err
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"users"},
			[]string{"id", "username", "password_hash", "name", "roles", "agency_id", "officer_id", "legal_qualified"},
			pgx.CopyFromSlice(len(b.Users), func(i int) ([]any, error) {
				u := b.Users[i]
				roles := make([]string, len(u.Roles))
				for j, r := range u.Roles {
					roles[j] = string(r)
				}
				return []any{u.ID, u.Username, u.PasswordHash, u.Name, roles, u.AgencyID, u.OfficerID, u.LegalQualified}, nil
			}))
		return err
	})
	return DBError(err, "演示数据")
}

// AgencyCodeExists reports whether an agency with the credit code is registered.
func (s *Store) AgencyCodeExists(ctx context.Context, code string) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM agencies WHERE code = $1)`, code).Scan(&ok)
	return ok, DBError(err, "机构")
}
