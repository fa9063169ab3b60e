package cluster

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/troupe-go/troupe/actor"
)

// Grains. Each kind this member hosts is registered on the node with a
// producer that wraps the user's actor in a grain: the grain checks, when
// it starts, that this member owns its identity by its own view (a sender
// whose view differs is refused and retries), enters the activation
// table, counts its messages for passivation, and leaves the table when
// it stops. The loop stops the grains this member no longer owns after
// each view change, and those idle for IdleAfter.

// stopWhy says why a grain was asked to stop, for the counters.
type stopWhy int32

const (
	stopNone    stopWhy = iota
	stopIdle            // passivated after IdleAfter
	stopHandoff         // another member owns it now
	stopLeave           // this member is stopping
)

// activation is one grain alive on this member.
type activation struct {
	id      ID
	pid     actor.PID
	msgs    atomic.Uint64 // messages handled; the sweeper compares
	why     atomic.Int32  // a stopWhy, set once, before the stop
	gate    atomic.Int64  // local senders in the act of sending, plus gateClosed, gatePoisoned
	started atomic.Bool   // its grain has started: a restart is not counted again

	seen uint64 // msgs at the last sweep; the loop's own
	idle int    // sweeps without a message; the loop's own
}

// The gate lets a grain of this member stop without a local message
// becoming a dead letter: a local send enters the gate, sends, and leaves
// it; a stop closes it, so that later sends are refused (and retried) before
// they are sent, and the grain is poisoned, after the messages already
// sent, by whoever leaves the gate last. Messages from other members are
// not gated: one that arrives after the stop is a dead letter on this
// member, with its reason.
const (
	gateClosed   = 1 << 62
	gatePoisoned = 1 << 61
)

// enter reports whether a local sender may send to a now; if so, it must
// call c.leave(a) once it has.
func (c *Cluster) enter(a *activation) bool {
	if a.gate.Add(1)&gateClosed != 0 {
		c.leave(a)
		return false
	}
	return true
}

func (c *Cluster) leave(a *activation) {
	if a.gate.Add(-1) == gateClosed {
		c.poison(a)
	}
}

// stopActivation stops a for why, unless it is stopping already: it
// closes the gate, and poisons a at once if no local send is under way.
func (c *Cluster) stopActivation(a *activation, why stopWhy) bool {
	if !a.why.CompareAndSwap(int32(stopNone), int32(why)) {
		return false
	}
	if a.gate.Or(gateClosed) == 0 {
		c.poison(a)
	}
	return true
}

// poison poisons a once, when its gate is closed and empty.
func (c *Cluster) poison(a *activation) {
	if a.gate.CompareAndSwap(gateClosed, gateClosed|gatePoisoned) {
		c.sys.Poison(a.pid)
	}
}

// grainTable holds the activations of this member, by identity.
type grainTable struct {
	mu sync.Mutex
	m  map[ID]*activation
}

// put enters a as its identity's activation. An entry it replaces is of
// an activation that is ending: its grain has left the System, and its
// Stopped, still to run, removes only its own entry.
func (t *grainTable) put(a *activation) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[ID]*activation{}
	}
	t.m[a.id] = a
}

// remove removes a, if it is still its identity's entry.
func (t *grainTable) remove(a *activation) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m[a.id] == a {
		delete(t.m, a.id)
	}
}

func (t *grainTable) get(id ID) *activation {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[id]
}

func (t *grainTable) all() []*activation {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]*activation, 0, len(t.m))
	for _, a := range t.m {
		out = append(out, a)
	}
	return out
}

func (t *grainTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// producer returns the producer registered on the node for kind: a grain
// around the user's actor. It refuses (returns nil, which fails the spawn)
// once the member is stopping.
func (c *Cluster) producer(kind string, user actor.Producer) actor.Producer {
	return c.producerFor(kind, user, nil)
}

// producerFor is producer for an activation that a local sender made,
// pre, which the grain enters in the table when it starts (see
// activateLocal); nil for one spawned from another member.
func (c *Cluster) producerFor(kind string, user actor.Producer, pre *activation) actor.Producer {
	return func() actor.Actor {
		if c.stopping.Load() {
			return nil
		}
		inner := user()
		if inner == nil {
			return nil
		}
		return &grain{c: c, kind: kind, inner: inner, pre: pre}
	}
}

// grain wraps a user's actor as a virtual actor of this member.
type grain struct {
	c       *Cluster
	kind    string
	inner   actor.Actor
	pre     *activation // made by a local sender before the spawn, or nil
	act     *activation // its entry in the table, from Started on
	refused bool        // not ours: the user's actor never sees a message
}

// Receive passes every message to the user's actor, after Started has
// checked ownership.
func (g *grain) Receive(ctx *actor.Context) {
	switch ctx.Message().(type) {
	case actor.Started:
		if !g.start(ctx) {
			return
		}
	case actor.Stopped:
		if g.act != nil {
			g.act.gate.Or(gateClosed | gatePoisoned) // however it stopped, refuse local sends
			g.c.grains.remove(g.act)
			g.c.stats.stopped(g.kind, stopWhy(g.act.why.Load()))
		}
	}
	if g.refused {
		return
	}
	if g.act != nil {
		g.act.msgs.Add(1)
	}
	g.inner.Receive(ctx)
}

// start enters the activation table, or refuses: the name is not a grain
// of this kind, the member is stopping, or by this member's view another
// member owns the identity (the sender's view differs; it will retry).
func (g *grain) start(ctx *actor.Context) bool {
	self := ctx.Self()
	id, ok := parseActorName(self.ID)
	c := g.c
	owner := ""
	if ok {
		owner = c.view.current().ownerOf(id)
	}
	if !ok || id.Kind != g.kind || c.stopping.Load() || owner != c.self {
		if owner != "" && owner != c.self {
			c.doubt(owner)
		}
		if g.pre != nil {
			c.stopActivation(g.pre, stopHandoff) // its local sender retries
		}
		g.refused = true
		c.stats.refused(g.kind)
		ctx.Stop(self)
		return false
	}
	if g.act == nil {
		c.release(id)
		g.act = g.pre
		if g.act == nil {
			g.act = &activation{id: id, pid: self}
		}
		c.grains.put(g.act)
		if g.act.started.CompareAndSwap(false, true) { // not a restart
			c.stats.activated(g.kind)
		}
	}
	return true
}

// handOff stops the grains this member no longer owns by its view: the
// new owner activates them on their next message.
func (c *Cluster) handOff() {
	snap := c.view.current()
	for _, a := range c.grains.all() {
		if snap.ownerOf(a.id) != c.self {
			c.stopActivation(a, stopHandoff)
		}
	}
}

// passivateIdle stops the grains that handled no message for two sweeps
// (IdleAfter/2 apart).
func (c *Cluster) passivateIdle() {
	for _, a := range c.grains.all() {
		n := a.msgs.Load()
		if n != a.seen {
			a.seen, a.idle = n, 0
			continue
		}
		if a.idle++; a.idle >= 2 {
			c.stopActivation(a, stopIdle)
		}
	}
}

// The hand-off on a join, as Akka's sharding does it (BeginHandOff,
// HandOff, ShardStopped), but per identity and only when needed: a member
// that starts a grain soon after the view changed asks the member that
// owned the identity before it came (the owner among the others) to stop
// its copy first, and waits for the answer. Without it a sender that saw
// the join could reach the new copy while the old one still handles its
// last messages (Proto.Actor's issue #799).

// handoffWindow is how long after a member joined or came back a new
// activation asks the previous owner to release the identity. The old
// owner stops its copies as soon as it sees the change; this covers the
// time until it has, and views that agree late.
const handoffWindow = 10 * time.Second

// releaseTimeout bounds the wait for the previous owner's answer: a member
// that cannot answer is gone or cut off, and then its copy is the
// partition's to resolve.
const releaseTimeout = time.Second

// releasePrefix starts the string a release carries (built-in types only,
// so that every member's node can carry it): then the grain's actor name.
const releasePrefix = "troupe.cluster.release:"

// release asks the previous owner of id, if any is alive and the view
// changed lately, to stop its copy, and waits until it has or cannot say.
// It does not use the grain's own context, which would cost every grain a
// context of its own: the wait is bounded by releaseTimeout anyway.
func (c *Cluster) release(id ID) {
	snap := c.view.current()
	if time.Since(snap.changedAt) > handoffWindow {
		return
	}
	prev := snap.ownerWithout(id, c.self)
	if prev == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	c.sys.Request(ctx, actor.PID{Address: prev, ID: ctlName}, releasePrefix+actorName(id))
}

// released stops this member's copy of id, if it has one that it does
// not own, and waits until it has stopped (its Stopping has run).
func (c *Cluster) released(ctx context.Context, id ID) {
	a := c.grains.get(id)
	if a == nil || c.view.current().ownerOf(id) == c.self {
		return // nothing to give, or this member's view has not moved yet
	}
	c.stopActivation(a, stopHandoff)
	ctx, cancel := context.WithTimeout(ctx, releaseTimeout)
	defer cancel()
	c.sys.Wait(ctx, a.pid)
}
