// Package fault holds the error vocabulary every zhifa package shares: a small set of
// kinds (invalid, not_found, conflict, ...) with a message a person can act on, in
// Chinese, and the field it concerns. The HTTP layer maps each kind to one status.
package fault
