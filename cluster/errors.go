package cluster

import "errors"

var (
	// ErrInvalidConfig is wrapped by the error of Start for a Config that
	// cannot work.
	ErrInvalidConfig = errors.New("cluster: invalid config")

	// ErrInvalidID is wrapped by the error of Send, Request and Get for an
	// ID with an empty, oversized or malformed Kind or Name.
	ErrInvalidID = errors.New("cluster: invalid identity")

	// ErrStopped is returned once Stop or Close has begun.
	ErrStopped = errors.New("cluster: stopped")

	// ErrNoMember means that no live member hosts the identity's kind. It
	// is retryable: Send, Request and Get wait for such a member until
	// their context ends, then return an error wrapping it.
	ErrNoMember = errors.New("cluster: no live member hosts the kind")

	// ErrHandoff means that the identity was moving between members when
	// the message came: it was not delivered, and Send, Request and Get
	// try again until their context ends.
	ErrHandoff = errors.New("cluster: identity moving between members")
)
