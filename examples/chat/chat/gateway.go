package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/cluster"
	"github.com/troupe-go/troupe/examples/chat/chat/page"
	"github.com/troupe-go/troupe/remote"
)

// Defaults of GatewayConfig.
const (
	DefaultGatewayUsers   = 1000
	DefaultPollWait       = 10 * time.Second
	DefaultHeartbeat      = 15 * time.Second
	DefaultWriteTimeout   = 10 * time.Second
	DefaultRequestTimeout = 5 * time.Second
	DefaultBodyTimeout    = 10 * time.Second
	DefaultStreamsPerUser = 4
	DefaultUsersPerAddr   = 32
)

// maxBody bounds a request body: room for a text of MaxText bytes even
// when JSON escapes every character, and no more.
const maxBody = 8 * MaxText

// GatewayConfig configures a Gateway. Its zero value works; every field
// says what zero means.
type GatewayConfig struct {
	// Node is the name of the gateway's node, for GET /node and the page.
	// "" means none.
	Node string

	// Directory is the directory the gateway asks where rooms are. The zero
	// PID means the local actor named DirectoryName.
	Directory actor.PID

	// Cluster, when not nil, hosts the rooms as grains (see
	// NodeConfig.Cluster): the gateway finds a room through it, which makes
	// the room if it is not active, instead of asking the directory, and
	// POST /rooms makes a room wherever the cluster places it. Nil means
	// rooms are found through the directory.
	Cluster *cluster.Cluster

	// User configures the user actors the gateway spawns.
	User UserConfig

	// MaxUsers bounds the user actors of this gateway. Zero means
	// DefaultGatewayUsers.
	MaxUsers int

	// UsersPerAddr bounds the live user actors that the requests of one
	// client address have made: one more is refused with 429, so that one
	// client cannot take every user of the gateway, or every seat of a
	// room, by joining under a thousand names. An IPv6 client is counted by
	// its /64 network. Behind a reverse proxy every client has the proxy's
	// address. Zero means DefaultUsersPerAddr.
	UsersPerAddr int

	// StreamsPerUser bounds the event streams and long polls open at once
	// for one user: one more is refused with 429. Zero means
	// DefaultStreamsPerUser.
	StreamsPerUser int

	// MaxStreams bounds the event streams and long polls open at once on
	// the gateway: one more is refused with 503. Zero means MaxUsers.
	MaxStreams int

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

	// BodyTimeout bounds the reading of a request's body: a client that
	// sends it slower is answered 408 and cut off, instead of holding a
	// handler (and the node's Stop) for as long as it likes. Zero means
	// DefaultBodyTimeout.
	BodyTimeout time.Duration

	// Hosts are the host names (without a port) the gateway answers to,
	// besides IP addresses, "localhost" and names under ".localhost". A
	// request for any other Host is refused with 403, so that a web page
	// cannot read the API by pointing a name of its own at this machine
	// (DNS rebinding). Nil means only those.
	Hosts []string

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
	if cfg.UsersPerAddr <= 0 {
		cfg.UsersPerAddr = DefaultUsersPerAddr
	}
	if cfg.StreamsPerUser <= 0 {
		cfg.StreamsPerUser = DefaultStreamsPerUser
	}
	if cfg.MaxStreams <= 0 {
		cfg.MaxStreams = cfg.MaxUsers
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
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = DefaultBodyTimeout
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
	sys   *actor.System
	cfg   GatewayConfig
	mux   *http.ServeMux
	cop   *http.CrossOriginProtection
	hosts map[string]bool

	ctx    context.Context // cancelled by Close: ends streams and polls
	cancel context.CancelFunc

	mu      sync.Mutex
	closed  bool
	users   map[string]*userEntry
	perAddr map[string]int // live users by the client address that made them
	streams int            // event streams and long polls open
	active  int            // API handlers under way
	idle    chan struct{}  // closed once closed and no handler is under way
}

// userEntry is a user actor of this gateway, its inbox, and what it
// counts against the gateway's bounds. Its counts are guarded by the
// gateway's mu.
type userEntry struct {
	pid     actor.PID
	inbox   *Inbox
	addr    string // the client address whose request made it
	streams int    // event streams and long polls open
}

// NewGateway returns a gateway to the actors of sys.
func NewGateway(sys *actor.System, cfg GatewayConfig) (*Gateway, error) {
	if sys == nil {
		return nil, errors.New("chat: NewGateway needs a System")
	}
	g := &Gateway{
		sys:     sys,
		cfg:     cfg.withDefaults(),
		mux:     http.NewServeMux(),
		cop:     http.NewCrossOriginProtection(),
		hosts:   make(map[string]bool),
		users:   make(map[string]*userEntry),
		perAddr: make(map[string]int),
		idle:    make(chan struct{}),
	}
	for _, h := range g.cfg.Hosts {
		g.hosts[strings.ToLower(h)] = true
	}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	g.routes()
	return g, nil
}

func (g *Gateway) routes() {
	pages := page.Handler()
	g.mux.Handle("GET /{$}", pages)
	g.mux.Handle("GET /static/", pages)
	g.handle("GET /node", g.node)
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
		defer g.exit()
		w.Header().Set("Cache-Control", "no-store")
		h(w, r)
	})
}

// Handle adds a handler to the gateway's mux, for what a node serves beside
// the chat (such as /metrics).
func (g *Gateway) Handle(pattern string, h http.Handler) { g.mux.Handle(pattern, h) }

// ServeHTTP serves the page and the API, to requests for a Host the
// gateway answers to that are not cross-site.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !g.allowedHost(r.Host) {
		writeError(w, fmt.Errorf("%w: %q (a name the gateway should answer to goes in GatewayConfig.Hosts)", ErrBadHost, r.Host))
		return
	}
	// Browsers tell a cross-site request by Sec-Fetch-Site or Origin; a
	// page elsewhere could otherwise post here as anyone.
	if err := g.cop.Check(r); err != nil {
		writeError(w, ErrCrossSite)
		return
	}
	g.mux.ServeHTTP(w, r)
}

// allowedHost reports whether the gateway answers requests for host: an
// IP address, localhost, or one of GatewayConfig.Hosts. A rebinding
// attacker controls only names of its own, which none of these are.
func (g *Gateway) allowedHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	switch {
	case host == "", net.ParseIP(host) != nil:
		return true
	case host == "localhost", strings.HasSuffix(host, ".localhost"):
		return true
	}
	return g.hosts[host]
}

func (g *Gateway) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.active++
	return true
}

func (g *Gateway) exit() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.active--
	if g.closed && g.active == 0 {
		close(g.idle)
	}
}

// Close ends every event stream and long poll and refuses new API
// requests with 503. It returns at once; Wait waits for the handlers under
// way. It does not stop the user actors: they belong to the System. Close
// is idempotent.
func (g *Gateway) Close() {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		if g.active == 0 {
			close(g.idle)
		}
	}
	g.mu.Unlock()
	g.cancel()
}

// Wait waits, after Close, until every API handler has returned, or ctx is
// done. A handler may be reading a request body (for at most BodyTimeout)
// or waiting for an actor (at most RequestTimeout); closing the
// connections ends either sooner.
func (g *Gateway) Wait(ctx context.Context) error {
	select {
	case <-g.idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("chat: gateway handlers still running: %w", ctx.Err())
	}
}

// Users returns the number of user actors of this gateway.
func (g *Gateway) Users() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.users)
}

// Clients returns the number of event streams and long polls open now.
func (g *Gateway) Clients() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.streams
}

// user returns the user actor of the person called name, spawning it if
// there is none; addr is the address of the client that asks, which a new
// user counts against.
func (g *Gateway) user(name, addr string) (*userEntry, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if e, ok := g.users[name]; ok {
		if !e.inbox.Closed() {
			return e, nil
		}
		g.forgetLocked(name, e) // a stopped user that has not been forgotten yet
	}
	if len(g.users) >= g.cfg.MaxUsers {
		return nil, fmt.Errorf("%w: %d at most", ErrTooManyUsers, g.cfg.MaxUsers)
	}
	if g.perAddr[addr] >= g.cfg.UsersPerAddr {
		return nil, fmt.Errorf("%w: %d at most", ErrTooManyUsersFromAddr, g.cfg.UsersPerAddr)
	}
	e := &userEntry{inbox: NewInbox(g.cfg.User.Queue), addr: addr}
	forget := func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.users[name] == e {
			g.forgetLocked(name, e)
		}
	}
	pid, err := g.sys.Spawn(NewUser(name, e.inbox, g.cfg.User, forget), actor.WithKind("chat.user"))
	if err != nil {
		return nil, err
	}
	e.pid = pid
	g.users[name] = e
	g.perAddr[addr]++
	return e, nil
}

// forgetLocked removes the user called name, e, and what it counts.
func (g *Gateway) forgetLocked(name string, e *userEntry) {
	delete(g.users, name)
	if g.perAddr[e.addr]--; g.perAddr[e.addr] <= 0 {
		delete(g.perAddr, e.addr)
	}
}

// clientAddr is the address a request came from, without its port, as
// UsersPerAddr counts it: an IPv6 address by its /64 network, since one
// client commonly holds a whole /64.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || ip.Unmap().Is4() {
		return host
	}
	return netip.PrefixFrom(ip.WithZone(""), 64).Masked().String()
}

// ask sends msg to pid and waits for the answer, at most RequestTimeout.
func (g *Gateway) ask(ctx context.Context, pid actor.PID, msg any) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, g.cfg.RequestTimeout)
	defer cancel()
	return g.sys.Request(ctx, pid, msg)
}

// lookup finds the room called name through the directory, or, with a
// cluster, activates it if needed.
func (g *Gateway) lookup(ctx context.Context, name string) (actor.PID, error) {
	if err := ValidName(name); err != nil {
		return actor.PID{}, err
	}
	if g.cfg.Cluster != nil {
		ctx, cancel := context.WithTimeout(ctx, g.cfg.RequestTimeout)
		defer cancel()
		return g.cfg.Cluster.Get(ctx, RoomGrain(name))
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

// find is lookup for a handler that then asks the room (askRoom): with a
// cluster, askRoom finds the grain itself, so find only checks the name
// and returns the zero PID; without, it is lookup. A room is looked up
// once per request.
func (g *Gateway) find(ctx context.Context, name string) (actor.PID, error) {
	if g.cfg.Cluster != nil {
		return actor.PID{}, ValidName(name)
	}
	return g.lookup(ctx, name)
}

// askRoom asks the room called name, found by find at room, and waits
// for its answer, at most RequestTimeout. With a cluster it asks the grain,
// which the cluster finds anew if it has moved; a Join, Leave or
// GetBacklog whose room's node was lost on the way is asked again (they
// are harmless to repeat: the next goes to the room's new owner), a Post
// is not, since it may have been said.
func (g *Gateway) askRoom(ctx context.Context, name string, room actor.PID, msg any) (any, error) {
	if g.cfg.Cluster == nil {
		return g.ask(ctx, room, msg)
	}
	ctx, cancel := context.WithTimeout(ctx, g.cfg.RequestTimeout)
	defer cancel()
	_, post := msg.(Post)
	for attempt := 1; ; attempt++ {
		v, err := g.cfg.Cluster.Request(ctx, RoomGrain(name), msg)
		if no, ok := v.(NoRoom); ok {
			return nil, fmt.Errorf("%w: %s", ErrTooManyRooms, no.Reason)
		}
		// The cluster has forgotten the lost PID and suspects its node:
		// three attempts are for a second loss meanwhile.
		if err == nil || post || attempt == 3 || !errors.Is(err, remote.ErrNodeDown) || ctx.Err() != nil {
			return v, err
		}
	}
}

// streamContext returns a context that ends with the request or with the
// gateway, for handlers that wait.
func (g *Gateway) streamContext(r *http.Request) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(r.Context())
	stop := context.AfterFunc(g.ctx, cancel)
	return ctx, func() { stop(); cancel() }
}
