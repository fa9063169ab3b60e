// Package server is a general TCP (or TLS) stream server: gevent's
// StreamServer made Go. A Server accepts connections and runs a Handler for
// each in a goroutine of its own; when the handler returns, the connection
// is closed. It is meant to be started and stopped at will while the
// process goes on, and it needs nothing beyond the standard library (no
// actor, no msgpack). The node of package remote serves its peers through
// one; it is just as usable on its own (see the Server example).
//
//   - Start binds and listens and returns once listening; Serve does the
//     same and then blocks until the server stops.
//   - Stop stops accepting, cancels the handlers' context, lets them finish
//     for a grace period (WithStopTimeout, bounded by Stop's context) and
//     then closes the connections left. A nil context is refused with
//     ErrNilContext, and a Stop that fails half-way leaves the server for
//     the next Stop or Close to finish.
//   - Close is the immediate stop beside it, as in net/http: no grace
//     period, every connection is closed at once, and Close returns when
//     the handlers have. It may cut short a Stop in progress.
//   - StopOn ties the server to an Event, which any goroutine may Set;
//     SetOnSignal sets an Event on SIGINT or SIGTERM, so Ctrl-C stops the
//     server and not the process.
//
// A server runs once: after Stop or Close it cannot be started again.
//
// New never listens on every interface by accident: an empty address means
// 127.0.0.1 on a free port, and an address with no host, such as ":7000",
// means 127.0.0.1 on that port. To be reachable from other machines, ask
// for it: "0.0.0.0:7000" or "[::]:7000".
//
// WithMaxConns bounds the handlers that run at once. While the pool is full
// the server accepts nothing, so further clients wait in the kernel's listen
// backlog instead of in memory. Temporary accept errors, such as running out
// of file descriptors, are retried after a jittered pause that grows from
// WithAcceptBackoff's minimum to its maximum. With WithTLS or WithCertFiles
// every connection makes its TLS handshake (TLS 1.2 at least) in its own
// goroutine, under the deadline of WithHandshakeTimeout, so a slow client
// never holds up the others.
//
// A panic in a handler is recovered, logged with its stack, and closes only
// that connection. Logs go to the slog.Logger given by WithLogger, and
// nowhere without it; an Observer given by WithObserver hears of every
// accept, close, full pool and accept error, for metrics.
//
// docs/guide/server.md in the repository is the whole guide.
package server
