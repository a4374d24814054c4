package fault

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error by what the caller can do about it.
type Kind string

// The kinds of error zhifa reports; app maps each to exactly one HTTP status.
const (
	Invalid      Kind = "invalid"
	NotFound     Kind = "not_found"
	Conflict     Kind = "conflict"
	Forbidden    Kind = "forbidden"
	Unauthorized Kind = "unauthorized"
	TooLarge     Kind = "too_large"
	TooMany      Kind = "too_many"
	Unavailable  Kind = "unavailable"
	Internal     Kind = "internal"
)

// Error is a domain error: a kind, a message in Chinese for people, the field it is
// about (if any) and the underlying cause, kept for the log only.
type Error struct {
	Kind    Kind
	Message string
	Field   string
	Err     error
	// RetryAfter, for TooMany and Unavailable, is when the caller may try again; each
	// limiter knows its own window.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	s := string(e.Kind) + ": " + e.Message
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error of the given kind with a Chinese message.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Field returns an invalid-input error naming the offending field.
func Field(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Wrap attaches a kind and a message to a cause; the cause stays out of the message.
func Wrap(err error, kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: err}
}

// KindOf returns the kind of err, Internal for errors that carry none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// MessageOf is the message of a fault for a person to read, or the error's own text.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// Is reports whether err is a fault of the given kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// ErrOutOfScope is the cause of a NotFound that stands for an object the caller may not
// see: it answers exactly as an absent one (404, nothing said of who holds it), while
// code that needs to know can still ask errors.Is.
var ErrOutOfScope = errors.New("outside the caller's scope")

// Hidden returns the NotFound answered for an object outside the caller's scope; what
// names the kind of object, as in "案件不存在".
func Hidden(format string, args ...any) *Error {
	return &Error{Kind: NotFound, Message: fmt.Sprintf(format, args...), Err: ErrOutOfScope}
}

// IsHidden reports whether err stands for an object outside the caller's scope.
func IsHidden(err error) bool { return errors.Is(err, ErrOutOfScope) }

// HideAs gives an out-of-scope error the message the caller's own lookup answers when
// the object is absent (a record hidden by its case's scope says "记录不存在", as a
// record that never existed does); any other error passes unchanged.
func HideAs(err error, format string, args ...any) error {
	if IsHidden(err) {
		return Hidden(format, args...)
	}
	return err
}
