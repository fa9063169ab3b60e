package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/examples/chat/chat/page"
)

// Defaults of GatewayConfig.
const (
	DefaultGatewayUsers   = 1000
	DefaultPollWait       = 10 * time.Second
	DefaultHeartbeat      = 15 * time.Second
	DefaultWriteTimeout   = 10 * time.Second
	DefaultRequestTimeout = 5 * time.Second
)

// maxBody bounds a request body: room for a text of MaxText bytes even
// when JSON escapes every character, and no more.
const maxBody = 8 * MaxText

// GatewayConfig configures a Gateway. Its zero value works; every field
// says what zero means.
type GatewayConfig struct {
	// Directory is the directory the gateway asks where rooms are. The zero
	// PID means the local actor named DirectoryName.
	Directory actor.PID

	// User configures the user actors the gateway spawns.
	User UserConfig

	// MaxUsers bounds the user actors of this gateway. Zero means
	// DefaultGatewayUsers.
	MaxUsers int

	// PollWait is how long POST /poll/{user} waits for an event. Zero means
	// DefaultPollWait.
	PollWait time.Duration

	// Heartbeat is how often an idle event stream sends a comment, so that
	// proxies and the client see it is alive. Zero means DefaultHeartbeat.
	Heartbeat time.Duration

	// WriteTimeout bounds each write to a client: an event stream whose
	// client stops reading is closed after it. Zero means
	// DefaultWriteTimeout.
	WriteTimeout time.Duration

	// RequestTimeout bounds each request the gateway makes to an actor.
	// Zero means DefaultRequestTimeout.
	RequestTimeout time.Duration

	// Logger receives the gateway's log records. Nil means none.
	Logger *slog.Logger
}

func (cfg GatewayConfig) withDefaults() GatewayConfig {
	if cfg.Directory.IsZero() {
		cfg.Directory = actor.PID{ID: DirectoryName}
	}
	cfg.User = cfg.User.withDefaults()
	if cfg.MaxUsers <= 0 {
		cfg.MaxUsers = DefaultGatewayUsers
	}
	if cfg.PollWait <= 0 {
		cfg.PollWait = DefaultPollWait
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// Gateway is the HTTP face of a node: an http.Handler that turns requests
// into messages to the node's actors. It spawns one user actor per person
// who connects through it, and finds rooms through the directory, by PID,
// wherever they are.
type Gateway struct {
	sys *actor.System
	cfg GatewayConfig
	mux *http.ServeMux

	ctx    context.Context // cancelled by Close: ends streams and polls
	cancel context.CancelFunc

	mu       sync.Mutex
	closed   bool
	users    map[string]*userEntry
	handlers sync.WaitGroup
	clients  atomic.Int64 // event streams and long polls open
}

// userEntry is a user actor of this gateway and its inbox.
type userEntry struct {
	pid   actor.PID
	inbox *Inbox
}

// NewGateway returns a gateway to the actors of sys.
func NewGateway(sys *actor.System, cfg GatewayConfig) (*Gateway, error) {
	if sys == nil {
		return nil, errors.New("chat: NewGateway needs a System")
	}
	g := &Gateway{
		sys:   sys,
		cfg:   cfg.withDefaults(),
		mux:   http.NewServeMux(),
		users: make(map[string]*userEntry),
	}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	g.routes()
	return g, nil
}

func (g *Gateway) routes() {
	pages := page.Handler()
	g.mux.Handle("GET /{$}", pages)
	g.mux.Handle("GET /static/", pages)
	g.handle("GET /rooms", g.listRooms)
	g.handle("POST /rooms", g.createRoom)
	g.handle("GET /rooms/{room}/backlog", g.backlog)
	g.handle("POST /rooms/{room}/messages", g.post)
	g.handle("POST /rooms/{room}/join", g.join)
	g.handle("POST /rooms/{room}/leave", g.leave)
	g.handle("GET /users/{user}/events", g.events)
	g.handle("POST /poll/{user}", g.poll)
}

// handle registers an API handler that answers with JSON and is waited for
// by Close.
func (g *Gateway) handle(pattern string, h func(w http.ResponseWriter, r *http.Request)) {
	g.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if !g.enter() {
			writeError(w, &httpError{status: http.StatusServiceUnavailable, err: errors.New("chat: gateway is closing")})
			return
		}
		defer g.handlers.Done()
		w.Header().Set("Cache-Control", "no-store")
		h(w, r)
	})
}

// Handle adds a handler to the gateway's mux, for what a node serves beside
// the chat (such as /metrics).
func (g *Gateway) Handle(pattern string, h http.Handler) { g.mux.Handle(pattern, h) }

// ServeHTTP serves the page and the API.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	g.mux.ServeHTTP(w, r)
}

func (g *Gateway) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.handlers.Add(1)
	return true
}

// Close ends every event stream and long poll, refuses new API requests
// with 503, and waits for the handlers under way. It does not stop the user
// actors: they belong to the System. Close is idempotent.
func (g *Gateway) Close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.cancel()
	g.handlers.Wait()
}

// Users returns the number of user actors of this gateway.
func (g *Gateway) Users() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.users)
}

// Clients returns the number of event streams and long polls open now.
func (g *Gateway) Clients() int { return int(g.clients.Load()) }

// user returns the user actor of the person called name, spawning it if
// there is none.
func (g *Gateway) user(name string) (*userEntry, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if e, ok := g.users[name]; ok && !e.inbox.Closed() {
		return e, nil
	}
	delete(g.users, name) // a stopped user that has not been forgotten yet
	if len(g.users) >= g.cfg.MaxUsers {
		return nil, fmt.Errorf("%w: %d at most", ErrTooManyUsers, g.cfg.MaxUsers)
	}
	e := &userEntry{inbox: NewInbox(g.cfg.User.Queue)}
	forget := func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.users[name] == e {
			delete(g.users, name)
		}
	}
	pid, err := g.sys.Spawn(NewUser(name, e.inbox, g.cfg.User, forget), actor.WithKind("chat.user"))
	if err != nil {
		return nil, err
	}
	e.pid = pid
	g.users[name] = e
	return e, nil
}

// ask sends msg to pid and waits for the answer, at most RequestTimeout.
func (g *Gateway) ask(ctx context.Context, pid actor.PID, msg any) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, g.cfg.RequestTimeout)
	defer cancel()
	return g.sys.Request(ctx, pid, msg)
}

// lookup finds the room called name through the directory.
func (g *Gateway) lookup(ctx context.Context, name string) (actor.PID, error) {
	if err := ValidName(name); err != nil {
		return actor.PID{}, err
	}
	v, err := g.ask(ctx, g.cfg.Directory, Lookup{Room: name})
	if err != nil {
		return actor.PID{}, err
	}
	loc, ok := v.(Location)
	if !ok || !loc.Found {
		return actor.PID{}, fmt.Errorf("%w: %s", ErrUnknownRoom, name)
	}
	return loc.PID, nil
}

// streamContext returns a context that ends with the request or with the
// gateway, for handlers that wait.
func (g *Gateway) streamContext(r *http.Request) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(r.Context())
	stop := context.AfterFunc(g.ctx, cancel)
	return ctx, func() { stop(); cancel() }
}
