package cluster

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/troupe-go/troupe/actor"
)

// Grains. Each kind this member hosts is registered on the node with a
// producer that wraps the user's actor in a grain: the grain checks, when
// it starts, that this member owns its identity by its own view (a sender
// whose view differs is refused and retries), enters the activation
// table, notes that it handled messages, for passivation, and leaves the
// table when it stops. A restart keeps the grain: the runtime's new
// wrapper hands the new instance of the user's actor to the grain it
// replaces; a restart that gets no new instance ends the grain. The loop
// stops the grains this member no longer owns after each view change, and
// those idle for IdleAfter.

// stopWhy says why a grain was asked to stop, for the counters.
type stopWhy uint64

const (
	stopNone    stopWhy = iota
	stopIdle            // passivated after IdleAfter
	stopHandoff         // another member owns it now
	stopLeave           // this member is stopping
)

// grainKind is what the grains of one kind hosted here share.
type grainKind struct {
	c     *Cluster
	name  string
	user  actor.Producer
	stats *kindCounters
}

// grain wraps a user's actor as a virtual actor of this member, and is
// its entry in the activation table. It is kept small, since a member may
// host a great many idle ones: its identity is its actor name, and all
// that changes is one atomic word.
type grain struct {
	k     *grainKind
	inner actor.Actor // the user's; nil once refused; for a restart's wrapper, the grain it restarts
	name  string      // its actor name, which holds its identity (see actorName)
	state atomic.Uint64
}

// The bits of a grain's state. The gate lets a grain of this member stop
// without a local message becoming a dead letter: a local send enters the
// gate, sends, and leaves it; a stop closes it, so that later sends are
// refused (and retried) before they are sent, and the grain is poisoned,
// after the messages already sent, by whoever leaves the gate last.
// Messages from other members are not gated: one that arrives after the
// stop is a dead letter on this member, with its reason.
const (
	gateCount    = 1<<40 - 1 // local senders in the act of sending
	touched      = 1 << 48   // handled a message since the last sweep
	idleOnce     = 1 << 49   // the last sweep found it idle
	restarting   = 1 << 50   // its instance is being replaced
	produced     = 1 << 51   // its spawn has called its producer
	counted      = 1 << 52   // counted as an activation: its stop is counted too
	pending      = 1 << 53   // made by a local sender, not yet spawned: not to be sent to
	whyShift     = 56        // two bits: the stopWhy, set once
	whyMask      = 3 << whyShift
	gatePoisoned = 1 << 61
	gateClosed   = 1 << 62
)

func (g *grain) pid() actor.PID { return actor.PID{ID: g.name} }

// ending reports whether g was asked to stop.
func (g *grain) ending() bool { return g.state.Load()&whyMask != 0 }

// enter reports whether a local sender may send to g now; if so, it must
// call g.leave() once it has.
func (g *grain) enter() bool {
	if g.state.Add(1)&gateClosed != 0 {
		g.leave()
		return false
	}
	return true
}

func (g *grain) leave() {
	if g.state.Add(^uint64(0))&(gateCount|gateClosed|gatePoisoned) == gateClosed {
		g.poison()
	}
}

// stop stops g for why, unless it is stopping already: it closes the
// gate, and poisons g at once if no local send is under way.
func (g *grain) stop(why stopWhy) bool {
	for {
		v := g.state.Load()
		if v&whyMask != 0 {
			return false
		}
		next := v | uint64(why)<<whyShift | gateClosed
		now := v&(gateCount|gateClosed|gatePoisoned) == 0
		if now {
			next |= gatePoisoned
		}
		if g.state.CompareAndSwap(v, next) {
			if now && v&pending == 0 { // a pending one is poisoned by its spawner (see spawnLocal)
				g.k.c.sys.Poison(g.pid())
			}
			return true
		}
	}
}

// poison poisons g once, when its gate is closed and empty.
func (g *grain) poison() {
	for {
		v := g.state.Load()
		if v&(gateCount|gateClosed|gatePoisoned) != gateClosed {
			return
		}
		if g.state.CompareAndSwap(v, v|gatePoisoned) {
			g.k.c.sys.Poison(g.pid())
			return
		}
	}
}

// produce makes a grain of kind k around a new instance of the user's
// actor, for a spawn from another member or a restart. It refuses
// (returns nil, which fails the spawn) once the member is stopping.
func (k *grainKind) produce() actor.Actor {
	if k.c.stopping.Load() {
		return nil
	}
	inner := k.user()
	if inner == nil {
		return nil
	}
	return &grain{k: k, inner: inner}
}

// spawnProducer is the producer of a grain a local sender made (see
// activateLocal): g itself the first time, a new grain for a restart.
func (g *grain) spawnProducer() actor.Actor {
	if g.state.Or(produced)&produced != 0 {
		return g.k.produce()
	}
	if g.k.c.stopping.Load() {
		return nil
	}
	if g.inner = g.k.user(); g.inner == nil {
		return nil
	}
	return g
}

// Receive passes every message to the user's actor, after Started has
// checked ownership.
func (g *grain) Receive(ctx *actor.Context) {
	if t, ok := g.inner.(*grain); ok {
		g = t // a restart's wrapper: the grain it restarted does the work
	}
	switch ctx.Message().(type) {
	case actor.Started:
		if g = g.start(ctx); g == nil {
			return
		}
	case actor.Restarting:
		g.state.Or(restarting)
	case actor.Stopped:
		g.ended()
	}
	if g.inner == nil {
		return // refused: the user's actor never sees a message
	}
	if g.state.Load()&touched == 0 {
		g.state.Or(touched)
	}
	g.inner.Receive(ctx)
}

// ended takes g out of the table once its process has stopped, however it
// stopped, and refuses local sends from then on.
func (g *grain) ended() {
	v := g.state.Or(gateClosed | gatePoisoned)
	g.k.c.grains.remove(g)
	if v&counted != 0 {
		g.k.stats.stopped(stopWhy(v & whyMask >> whyShift))
	}
}

// lost ends the grain named name if its process stopped between two
// instances of the user's actor: a restart whose producer gave none
// (it returned nil or panicked, or the member is stopping), or a stop
// while a restart waited. The runtime has no instance to deliver Stopped
// to then; the System's event of the stop (see onEvent) comes instead.
// Should that event come late, while a later process of the name
// restarts, its new instance only enters the table afresh.
func (c *Cluster) lost(name string) {
	if g := c.grains.byName(name); g != nil && g.claimRestart() {
		g.ended()
	}
}

// claimRestart clears g's restarting bit, and reports whether it was set:
// of a restart's new instance (see start) and lost, one takes the grain.
func (g *grain) claimRestart() bool { return g.state.And(^uint64(restarting))&restarting != 0 }

// start enters the activation table, or refuses: the name is not a grain
// of this kind, the member is stopping, or by this member's view another
// member owns the identity (the sender's view differs; it will retry). A
// grain asked to stop before it started starts all the same: the messages
// let through its gate before the stop come first. It returns the grain that goes
// on: g, or for a restart the grain it replaces, which keeps its entry
// and gate and takes the new instance of the user's actor.
func (g *grain) start(ctx *actor.Context) *grain {
	self := ctx.Self()
	c := g.k.c
	if g.name == "" {
		g.name = self.ID
	}
	if old := c.grains.byName(g.name); old != nil && old != g && old.claimRestart() {
		old.inner, g.inner = g.inner, old
		g = old
	}
	id, ok := parseActorName(g.name)
	owner := ""
	if ok {
		owner = c.view.current().ownerOf(id)
	}
	if !ok || id.Kind != g.k.name || c.stopping.Load() || owner != c.self {
		if owner != "" && owner != c.self {
			c.doubt(owner)
		}
		g.refuse()
		g.inner = nil
		g.k.stats.refused.Add(1)
		ctx.Stop(self)
		return nil
	}
	if g.state.Load()&counted == 0 {
		c.release(id)
		g.state.Or(counted | touched)
		c.grains.put(g)
		g.k.stats.activations.Add(1)
	}
	return g
}

// refuse closes g's gate and marks it handed off, without poisoning it:
// its stop is under way. A local sender retries.
func (g *grain) refuse() {
	for {
		v := g.state.Load()
		next := v | gateClosed | gatePoisoned
		if v&whyMask == 0 {
			next |= uint64(stopHandoff) << whyShift
		}
		if g.state.CompareAndSwap(v, next) {
			return
		}
	}
}

// handOff stops the grains this member no longer owns by its view: the
// new owner activates them on their next message.
func (c *Cluster) handOff() {
	snap := c.view.current()
	c.grains.each(func(g *grain) {
		if id, ok := parseActorName(g.name); ok && snap.ownerOf(id) != c.self {
			g.stop(stopHandoff)
		}
	})
}

// passivateIdle stops the grains that handled no message for two sweeps
// (IdleAfter/2 apart).
func (c *Cluster) passivateIdle() {
	c.grains.each(func(g *grain) {
		switch v := g.state.And(^uint64(touched)); {
		case v&touched != 0:
			if v&idleOnce != 0 {
				g.state.And(^uint64(idleOnce))
			}
		case v&idleOnce == 0:
			g.state.Or(idleOnce)
		default:
			g.stop(stopIdle)
		}
	})
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
	g := c.localGrain(id)
	if g == nil || c.view.current().ownerOf(id) == c.self {
		return // nothing to give, or this member's view has not moved yet
	}
	g.stop(stopHandoff)
	ctx, cancel := context.WithTimeout(ctx, releaseTimeout)
	defer cancel()
	c.sys.Wait(ctx, g.pid())
}
