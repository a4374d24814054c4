package enforcement

import (
	"context"
	"errors"
	"io"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"zhifa/fault"
)

// DBError turns a pgx error into a fault: no row → not_found, unique violation →
// conflict, bad reference → invalid, a database that cannot be reached or answered in
// time → unavailable; anything else stays internal. Every store in zhifa uses it.
func DBError(err error, what string) error {
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fault.Wrap(err, fault.NotFound, "%s不存在", what)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return fault.Wrap(err, fault.Conflict, "%s已存在（%s）", what, pe.ConstraintName)
		case pe.Code == "23503":
			return fault.Wrap(err, fault.Invalid, "%s引用的对象不存在", what)
		case pe.Code == "23514" || pe.Code == "22P02" || pe.Code == "22007" || pe.Code == "22008":
			return fault.Wrap(err, fault.Invalid, "%s的数据不符合要求", what)
		case pe.Code == "40001" || pe.Code == "40P01" || pe.Code == "55P03":
			return fault.Wrap(err, fault.Conflict, "%s正被他人同时修改，请重试", what)
		case pe.Code[:2] == "08" || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || pe.Code == "53300":
			return unavailable(err)
		}
		return err
	}
	if isUnreachable(err) {
		return unavailable(err)
	}
	return err
}

func unavailable(err error) error {
	return fault.Wrap(err, fault.Unavailable, "数据库暂时无法访问，请稍后重试")
}

func isUnreachable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}
