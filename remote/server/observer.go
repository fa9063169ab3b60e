package server

import "time"

// A Observer is told what happens to a Server's connections, so that
// metrics can be kept outside this package. Its methods are called from the
// server's goroutines, possibly at the same time, and must return quickly
// and not panic: the accept loop waits for ConnAccepted, PoolFull and
// PoolResumed.
//
// Set one with WithObserver; when none is set the server makes no calls and
// keeps no timings for it.
type Observer interface {
	// ConnAccepted is called when a connection has been accepted, before its
	// handler (or TLS handshake) starts. active counts it.
	ConnAccepted(active int)

	// ConnClosed is called after a connection's handler has returned and the
	// connection was closed. lifetime runs from accept to close; active no
	// longer counts it.
	ConnClosed(reason CloseReason, lifetime time.Duration, active int)

	// PoolFull is called when the accept loop stops accepting because limit
	// handlers are running (see WithMaxConns).
	PoolFull(limit int)

	// PoolResumed is called when a handler slot has freed up after PoolFull
	// and accepting resumes, or when the server stops while paused: each
	// PoolFull is followed by one PoolResumed. waited is how long
	// accepting was paused.
	PoolResumed(waited time.Duration)

	// AcceptError is called when accepting fails. For a temporary error the
	// loop retries after retryIn; retryIn is 0 when the error ends the
	// server.
	AcceptError(err error, retryIn time.Duration)
}

// A CloseReason tells why a connection was closed.
type CloseReason uint8

// The reasons a connection is closed.
const (
	// CloseNormal: the handler returned.
	CloseNormal CloseReason = iota
	// ClosePanic: the handler panicked; the panic was recovered and logged.
	ClosePanic
	// CloseHandshake: the TLS handshake failed or ran out of time, so the
	// handler never ran.
	CloseHandshake
	// CloseForced: the server closed the connection under its running
	// handler, because Stop's grace period ran out or Close was called.
	CloseForced
)

// String returns a short lower-case name, fit for a metric label.
func (r CloseReason) String() string {
	switch r {
	case CloseNormal:
		return "normal"
	case ClosePanic:
		return "panic"
	case CloseHandshake:
		return "handshake"
	case CloseForced:
		return "forced"
	}
	return "unknown"
}
