package server

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	"github.com/troupe-go/troupe/internal/backoff"
	"github.com/troupe-go/troupe/internal/lifecycle"
	"github.com/troupe-go/troupe/internal/netx"
)

// A Handler serves one connection in a goroutine of its own. When it
// returns the server closes conn, so it must not keep conn.
//
// ctx is cancelled, with ErrClosed as its cause, when the server
// starts to stop. A handler should return soon after; one blocked in a read
// can be woken with context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) }).
// Handlers still running when the grace period of Stop runs out have their
// connection closed under them; Close closes it at once.
//
// With TLS, conn is a *tls.Conn whose handshake is already complete. A
// panic in the handler is recovered and logged with its stack, and closes
// only this connection.
type Handler func(ctx context.Context, conn net.Conn)

// A Server accepts TCP (or TLS) connections and hands each to a Handler in
// its own goroutine. It is gevent's StreamServer made Go: it can be started
// and stopped at will from any goroutine, by a call, an Event or a signal,
// and stopping it does not end the process.
//
// Make one with New or NewListener. A Server runs once: after
// Stop or Close it cannot be started again; make a new one. All methods are
// safe for concurrent use.
type Server struct {
	addr string // to listen on (see listenAddr); "" for NewListener
	cfg  config
	err  error // a construction error, returned by Start
	log  *slog.Logger
	obs  Observer // nil: no calls

	handler atomic.Pointer[Handler]
	active  atomic.Int64  // connections accepted and not yet closed
	sem     chan struct{} // one token per running handler; nil: no limit
	conns   connSet

	life     *lifecycle.Lifecycle // quit: stop accepting; forced: close connections; done: stopped
	backoff  backoff.Policy       // between accept retries
	loopDone chan struct{}        // closed when the accept loop has returned

	mu       sync.Mutex
	started  bool
	ln       net.Listener            // given to NewListener, or made by Start
	tls      *tls.Config             // set by Start, read-only afterwards
	cancel   context.CancelCauseFunc // cancels the handlers' context
	serveErr error                   // what Serve returns; set before done is closed
	stuck    int                     // handlers left running after their connections were closed
}

// New returns a server that will listen on the TCP address addr
// ("host:port"; port 0 picks a free port, see Addr) and serve each
// connection with h. Nothing happens until Start or Serve.
//
// An empty addr means "127.0.0.1:0", and an empty host, as in ":7000",
// means 127.0.0.1: a server is reachable from other machines only when
// asked for, with "0.0.0.0:7000" (or "[::]:7000") for every interface, or
// the address of one of them.
//
// New does not fail: a nil handler or an option out of range is
// reported by Start (and Serve).
func New(addr string, h Handler, opts ...Option) *Server {
	return newServer(netx.ListenAddr(addr), nil, h, opts)
}

// NewListener is New for a listener the caller has made, of any
// kind (TCP, Unix, a test's in-memory listener). The server owns ln from
// now on: Stop or Close closes it, even if the server was never started.
func NewListener(ln net.Listener, h Handler, opts ...Option) *Server {
	s := newServer("", ln, h, opts)
	if ln == nil && s.err == nil {
		s.err = ErrNilListener
	}
	return s
}

func newServer(addr string, ln net.Listener, h Handler, opts []Option) *Server {
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&cfg)
		}
	}
	s := &Server{
		addr:     addr,
		cfg:      cfg,
		err:      cfg.validate(),
		log:      cfg.logger,
		obs:      cfg.observer,
		life:     lifecycle.New(),
		backoff:  backoff.Policy{Min: cfg.backoffMin, Max: cfg.backoffMax},
		loopDone: make(chan struct{}),
		ln:       ln,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.maxConns > 0 {
		s.sem = make(chan struct{}, cfg.maxConns)
	}
	s.conns.init()
	if h != nil {
		s.handler.Store(&h)
	}
	return s
}

// SetHandler makes h serve the connections accepted from now on; those
// already being served keep their handler. It may be called at any time,
// also before Start on a server made with a nil handler. It returns
// ErrNilHandler, and changes nothing, if h is nil.
func (s *Server) SetHandler(h Handler) error {
	if h == nil {
		return ErrNilHandler
	}
	s.handler.Store(&h)
	return nil
}

// Start binds and listens (unless the server was given a listener), then
// accepts connections in the background, and returns once listening.
// Listening errors such as an address in use are returned here, as are
// construction errors (ErrNilHandler, ErrNilListener, ErrInvalidOption)
// and a certificate that WithCertFiles cannot load; after such an error
// Start may be called again.
//
// Start returns ErrStarted if the server is running, and
// ErrClosed if it has been stopped or one of its StopOn events is
// already set.
func (s *Server) Start() error {
	s.mu.Lock()
	if !s.started && s.life.Triggered() {
		s.mu.Unlock()
		s.Close() // a StopOn event set before Start: stopped before it ran
		return ErrClosed
	}
	defer s.mu.Unlock()
	switch {
	case s.life.Stopping():
		return ErrClosed
	case s.started:
		return ErrStarted
	case s.err != nil:
		return s.err
	case s.handler.Load() == nil:
		return ErrNilHandler
	}
	tlsCfg, err := s.cfg.serverTLS()
	if err != nil {
		return err
	}
	ln := s.ln
	if ln == nil {
		if ln, err = net.Listen("tcp", s.addr); err != nil {
			return err
		}
	}

	s.ln, s.tls = ln, tlsCfg
	s.started = true
	// The handlers' context lives as long as the server; only the cancel
	// function is kept, the context itself is handed down as a parameter.
	ctx, cancel := context.WithCancelCause(context.Background())
	s.cancel = cancel
	go s.run(ctx, ln)
	s.log.Info("server: listening", "addr", ln.Addr().String(), "tls", tlsCfg != nil)
	return nil
}

// Serve starts the server if it is not running yet and blocks until it has
// stopped, like gevent's serve_forever. It returns ErrClosed after
// Stop, Close or a StopOn event, the error that made the listener fail if
// that is what ended the server, or Start's error if the server could not
// start. Any number of goroutines may wait in Serve.
func (s *Server) Serve() error {
	err := s.Start()
	if err != nil && !errors.Is(err, ErrStarted) && !errors.Is(err, ErrClosed) {
		return err
	}
	<-s.life.Done()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serveErr
}

// Addr returns the address the server listens on, with the port actually
// bound once started (so port 0 gives the real port). Before Start it is
// the address New will listen on, with an empty host made 127.0.0.1.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return s.ln.Addr().String()
	}
	return s.addr
}

// run owns the accept loop and decides what its end means: nothing if Stop
// or Close ended it, otherwise the listener is broken and the server stops itself.
func (s *Server) run(ctx context.Context, ln net.Listener) {
	err := s.acceptLoop(ctx, ln)
	if err != nil {
		// Recorded before loopDone is closed: a Stop racing with the
		// failure must find it when it finishes.
		s.mu.Lock()
		if s.serveErr == nil {
			s.serveErr = err
		}
		s.mu.Unlock()
	}
	close(s.loopDone)
	if err == nil {
		return
	}
	if errors.Is(err, net.ErrClosed) {
		s.log.Info("server: listener closed; stopping", "addr", ln.Addr().String())
	} else {
		s.log.Error("server: accept failed; stopping", "addr", ln.Addr().String(), "err", err)
	}
	if s.obs != nil {
		s.obs.AcceptError(err, 0)
	}
	_ = s.Stop(context.Background())
}
