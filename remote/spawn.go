package remote

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/remote/wire"
)

// Remote spawn. A node registers the kinds of actor other nodes may start
// on it (RegisterKind) and, if its Config allows it, answers a Spawn frame
// by spawning a top-level actor of its System. The node asking
// (SpawnRemote) waits for the Spawned answer in the peer's pending table,
// beside the requests, so that a lost connection fails both alike.

// SpawnOption configures one SpawnRemote call; WithSpawnName makes one,
// and a nil option is ignored.
type SpawnOption interface {
	applySpawn(*spawnConfig)
}

// spawnOptionFunc makes a plain function a SpawnOption.
type spawnOptionFunc func(*spawnConfig)

func (f spawnOptionFunc) applySpawn(c *spawnConfig) { f(c) }

type spawnConfig struct {
	name string
}

// WithSpawnName gives the spawned actor its ID on the other node. The
// spawn then fails with an error matching actor.ErrNameTaken if a running
// actor there already has it. Without it, the other node generates an ID.
func WithSpawnName(name string) SpawnOption {
	return spawnOptionFunc(func(c *spawnConfig) { c.name = name })
}

// kindTable holds the producers registered with RegisterKind. Its zero
// value is empty and ready.
type kindTable struct {
	mu sync.RWMutex
	m  map[string]kindEntry
}

// kindEntry is one registered kind: its producer and its spawn options.
type kindEntry struct {
	producer actor.Producer
	opts     []actor.Option
}

// RegisterKind lets other nodes spawn actors made by producer on this node
// under the name kind, once Config.AllowRemoteSpawn is set. It may be
// called at any time, from any goroutine; a spawn that arrives before the
// kind is registered fails with ErrUnknownKind.
//
// Every such actor is spawned with opts (its mailbox, its supervisor, its
// kind label, hooks: see actor.Option), then with the name the spawn asks
// for, if any. An option that names the actor (actor.WithName) or gives it
// one tag (actor.WithTag) makes the second spawn of the kind fail.
//
// It returns an error wrapping ErrInvalidKind for an empty name,
// actor.ErrNilProducer for a nil producer, and ErrDuplicateKind for a name
// already registered: a kind, once registered, stays.
func (n *Node) RegisterKind(kind string, producer actor.Producer, opts ...actor.Option) error {
	switch {
	case kind == "":
		return fmt.Errorf("%w: empty name", ErrInvalidKind)
	case producer == nil:
		return fmt.Errorf("remote: kind %q: %w", kind, actor.ErrNilProducer)
	}
	t := &n.kinds
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.m[kind]; ok {
		return fmt.Errorf("%w: %q", ErrDuplicateKind, kind)
	}
	if t.m == nil {
		t.m = map[string]kindEntry{}
	}
	t.m[kind] = kindEntry{producer: producer, opts: slices.Clip(slices.Clone(opts))}
	return nil
}

// entry returns what was registered as kind; its producer is nil if
// nothing was.
func (t *kindTable) entry(kind string) kindEntry {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.m[kind]
}

// SpawnRemote asks the node at address to spawn an actor of the kind it
// registered under kind, and returns the new actor's PID, whose Address is
// that node's: send to it, request, watch and stop it as any remote PID.
// The actor is a top-level actor of the other node's System, supervised as
// its other top-level actors are; this node neither owns nor supervises
// it, and it outlives the connection.
//
// SpawnRemote connects to the node if needed, as a send does, and waits
// for its answer until ctx ends. Errors match, with errors.Is:
// ErrSpawnDisabled, ErrUnknownKind or actor.ErrNameTaken when the other
// node refuses (the error is then a *Error); ErrNodeDown as soon as the
// connection is lost or cannot be made; ErrNodeStopped once this node is
// stopping; ErrInvalidKind for an empty kind; ErrBadAddress for an address
// that is not host:port, or is this node's; ctx.Err() when ctx ends
// first. A spawn the other node completes after ctx ended is stopped there
// as soon as its answer arrives, since no one holds its PID, and counts in
// PeerStats.LateReplies. A nil ctx is actor.ErrNilContext.
func (n *Node) SpawnRemote(ctx context.Context, address, kind string, opts ...SpawnOption) (actor.PID, error) {
	if ctx == nil {
		return actor.PID{}, actor.ErrNilContext
	}
	if kind == "" {
		return actor.PID{}, fmt.Errorf("%w: empty name", ErrInvalidKind)
	}
	var cfg spawnConfig
	for _, opt := range opts {
		if opt != nil {
			opt.applySpawn(&cfg)
		}
	}
	if n.life.Stopping() {
		return actor.PID{}, ErrNodeStopped
	}
	if err := ctx.Err(); err != nil {
		return actor.PID{}, err
	}
	p, err := n.peerFor(address)
	if err != nil {
		return actor.PID{}, err
	}
	type result struct {
		v   any
		err error
	}
	answer := make(chan result, 1) // filled once, by whoever completes first
	reply := actor.NewReply(func(v any, err error) { answer <- result{v, err} })
	r := p.track(&request{id: n.nextRequestID(), reply: reply, spawn: true})
	f := ctlFrame{kind: wire.FrameSpawn, id: r.id, target: kind, other: cfg.name, req: r}
	if !p.push(&f) {
		reply.Complete(nil, fmt.Errorf("%w: %s", ErrQueueFull, address))
	} else if !p.up.Load() {
		p.poke()
	}
	var res result
	select {
	case res = <-answer:
	case <-ctx.Done():
		reply.Complete(nil, ctx.Err()) // unless the answer came first
		res = <-answer
	}
	if res.err == nil {
		if pid, ok := res.v.(actor.PID); ok {
			return pid, nil
		}
	}
	if ctx.Err() != nil && errors.Is(res.err, ctx.Err()) {
		return actor.PID{}, res.err
	}
	return actor.PID{}, fmt.Errorf("remote: spawn %q on %s: %w", kind, address, res.err)
}

// appendSpawn appends a Spawn frame, unless its caller stopped waiting.
// From then on the spawn belongs to this session: it fails if the session
// is lost before the answer comes.
func (w *writer) appendSpawn(f *ctlFrame) {
	r := f.req
	if r.done.Load() {
		return
	}
	r.gen.Store(w.s.gen)
	if err := w.enc.AppendSpawn(&wire.Spawn{RequestID: f.id, Kind: f.target, Name: f.other}); err != nil {
		r.reply.Complete(nil, err)
	}
}

// abandonSpawns ties the spawns among frames, which a failed write left
// unwritten, to this session, so that its loss fails them (ErrNodeDown)
// instead of leaving them to wait for their callers' contexts.
func (w *writer) abandonSpawns(frames []ctlFrame) {
	for i := range frames {
		if f := &frames[i]; f.kind == wire.FrameSpawn && (f.gen == 0 || f.gen == w.s.gen) {
			f.req.gen.Store(w.s.gen)
		}
	}
}

// serveSpawn answers a Spawn that arrived on session gen. It runs on the
// reader, as does the producer it calls, which should therefore be quick.
func (p *peer) serveSpawn(gen uint64, m *wire.Spawn) {
	f := ctlFrame{kind: wire.FrameSpawned, gen: gen, id: m.RequestID}
	pid, err := p.n.spawnKind(m.Kind, m.Name)
	switch {
	case err == nil:
		f.target = pid.ID
	case errors.Is(err, ErrSpawnDisabled):
		f.code, f.text = wire.CodeSpawnDisabled, "remote spawn is not enabled"
	case errors.Is(err, ErrUnknownKind):
		f.code, f.text = wire.CodeUnknownKind, fmt.Sprintf("no kind %q", m.Kind)
	case errors.Is(err, actor.ErrNameTaken):
		f.code, f.text = wire.CodeNameTaken, fmt.Sprintf("name %q is in use", m.Name)
	case errors.Is(err, actor.ErrSystemStopped):
		f.code, f.text = wire.CodeShuttingDown, err.Error()
	default:
		f.code, f.text = codeOf(err), err.Error()
	}
	p.push(&f)
}

// spawnKind spawns a top-level actor of the registered kind, named name
// ("": a generated id), if remote spawn is allowed.
func (n *Node) spawnKind(kind, name string) (actor.PID, error) {
	if !n.cfg.AllowRemoteSpawn {
		return actor.PID{}, ErrSpawnDisabled
	}
	if n.life.Stopping() {
		return actor.PID{}, ErrNodeStopped
	}
	k := n.kinds.entry(kind)
	if k.producer == nil {
		return actor.PID{}, ErrUnknownKind
	}
	if name == "" {
		return n.sys.Spawn(k.producer, k.opts...)
	}
	return n.sys.Spawn(k.producer, append(k.opts, actor.WithName(name))...)
}

// onSpawned completes the spawn that a Spawned answers. An answer no one
// waits for any more is counted late; if the actor was spawned, it is
// stopped, since no one else will ever learn its PID.
func (p *peer) onSpawned(m *wire.Spawned) {
	var v any
	var err error
	if m.Code == wire.CodeOK {
		v = actor.PID{Address: p.addr, ID: m.Actor}
	} else {
		err = &Error{Node: p.addr, Code: m.Code, Text: m.Error}
	}
	if r := p.takeRequest(m.RequestID, true); r != nil && r.reply.Complete(v, err) {
		return
	}
	p.stats.late.Add(1)
	if m.Code == wire.CodeOK {
		p.push(&ctlFrame{kind: wire.FrameStop, target: m.Actor, code: wire.Code(wire.ModeStop)})
	}
}
