package helpdesk

import "github.com/pkg/errors"

// Sentinel errors the HTTP API and commands map to statuses and messages.
var (
	ErrNotFound  = errors.New("not found")
	ErrInvalid   = errors.New("invalid request")
	ErrConflict  = errors.New("conflict")
	ErrForbidden = errors.New("forbidden")
	ErrNotOnline = errors.New("only online agents can be invited")
)
