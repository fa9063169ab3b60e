package server

import "errors"

// Sentinel errors of the stream server. Compare with errors.Is: some are
// returned wrapped with more context.
var (
	// ErrClosed is returned by Serve once the server has been stopped (by
	// Stop, Close or a StopOn event), and by Start on a server that was
	// already stopped: a stopped server cannot be started again.
	ErrClosed = errors.New("server: closed")

	// ErrStarted is returned by Start on a server that is already running.
	ErrStarted = errors.New("server: already started")

	// ErrNilHandler is returned by Start (and Serve) when the server was made
	// with a nil Handler, and by SetHandler when given one.
	ErrNilHandler = errors.New("server: nil handler")

	// ErrNilListener is returned by Start (and Serve) when NewListener was
	// given a nil listener.
	ErrNilListener = errors.New("server: nil listener")

	// ErrNilContext is returned by Stop when given a nil context. Nothing
	// changes: the server keeps its state, and a later Stop still works.
	ErrNilContext = errors.New("server: nil context")

	// ErrInvalidOption is wrapped by the error Start returns when an option
	// passed to New or NewListener holds a value out of range; the wrapping
	// message names the option.
	ErrInvalidOption = errors.New("server: invalid option")

	// ErrStopTimeout is wrapped by the error Stop returns when some handlers
	// were still running when the grace period ran out, so their connections
	// were closed under them, and by the error Close returns when some
	// handlers were still running a second after their connections were
	// closed.
	ErrStopTimeout = errors.New("server: stop timed out; connections closed")
)
