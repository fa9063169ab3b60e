package cluster

import (
	"context"
	"time"

	"github.com/troupe-go/troupe/actor"
)

// Grains. Each kind this member hosts spawns its grains, from a local
// sender or from another member, with the kind's hooks (actor.Hooks): the
// user's actor is the grain's actor, and the grain itself is the tag the
// runtime keeps beside it (actor.Tag), a word of state and the actor it
// names. Before each instance starts, the kind checks that this member
// owns the identity by its own view (a sender whose view differs is
// refused and retries) and enters the grain in the activation table; the
// runtime marks the tag when the grain handles messages, for passivation;
// and the kind hears when the grain has stopped, however it stopped, and
// takes it out of the table. A restart keeps the tag. The loop stops the
// grains this member no longer owns after each view change, and those
// idle for IdleAfter.

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
	hooks actor.Hooks // start and end, made once

	// producer is k.produce, made once: a method value made at each spawn
	// would cost every grain 16 bytes, since its process keeps it.
	producer actor.Producer
}

func newGrainKind(c *Cluster, name string, user actor.Producer) *grainKind {
	k := &grainKind{c: c, name: name, user: user, stats: c.stats.of(name)}
	k.hooks = actor.Hooks{Start: k.start, End: k.end}
	k.producer = k.produce
	return k
}

// grain is a virtual actor of this member: the tag of its actor, seen
// through the cluster's methods, and its entry in the activation table.
// Its identity is its actor name; all that changes is its State word.
type grain actor.Tag

func grainOf(t *actor.Tag) *grain { return (*grain)(t) }

func (g *grain) pid() actor.PID { return (*actor.Tag)(g).PID() }

// name is its actor name, which holds its identity (see actorName).
func (g *grain) name() string { return g.pid().ID }

// The bits of a grain's State. The gate lets a grain of this member stop
// without a local message becoming a dead letter: a local send enters the
// gate, sends, and leaves it; a stop closes it, so that later sends are
// refused (and retried) before they are sent, and the grain is poisoned,
// after the messages already sent, by whoever leaves the gate last.
// Messages from other members are not gated: one that arrives after the
// stop is a dead letter on this member, with its reason. The runtime sets
// actor.TagTouched when the grain handled messages.
const (
	gateCount    = 1<<40 - 1 // local senders in the act of sending
	idleOnce     = 1 << 49   // the last sweep found it idle
	counted      = 1 << 52   // counted as an activation: its stop is counted too
	whyShift     = 56        // two bits: the stopWhy, set once
	whyMask      = 3 << whyShift
	gatePoisoned = 1 << 61
	gateClosed   = 1 << 62
	touched      = actor.TagTouched // handled a message since the last sweep
)

// ending reports whether g was asked to stop.
func (g *grain) ending() bool { return g.State.Load()&whyMask != 0 }

// enter reports whether a local sender may send to g now; if so, it must
// call g.leave once it has.
func (g *grain) enter(sys *actor.System) bool {
	if g.State.Add(1)&gateClosed != 0 {
		g.leave(sys)
		return false
	}
	return true
}

func (g *grain) leave(sys *actor.System) {
	if g.State.Add(^uint64(0))&(gateCount|gateClosed|gatePoisoned) == gateClosed {
		g.poison(sys)
	}
}

// stop stops g for why, unless it is stopping already: it closes the
// gate, and poisons g at once if no local send is under way.
func (g *grain) stop(sys *actor.System, why stopWhy) bool {
	for {
		v := g.State.Load()
		if v&whyMask != 0 {
			return false
		}
		next := v | uint64(why)<<whyShift | gateClosed
		now := v&(gateCount|gateClosed|gatePoisoned) == 0
		if now {
			next |= gatePoisoned
		}
		if g.State.CompareAndSwap(v, next) {
			if now {
				sys.Poison(g.pid())
			}
			return true
		}
	}
}

// poison poisons g once, when its gate is closed and empty.
func (g *grain) poison(sys *actor.System) {
	for {
		v := g.State.Load()
		if v&(gateCount|gateClosed|gatePoisoned) != gateClosed {
			return
		}
		if g.State.CompareAndSwap(v, v|gatePoisoned) {
			sys.Poison(g.pid())
			return
		}
	}
}

// produce makes a new instance of the user's actor, for a spawn or a
// restart. It refuses (returns nil, which fails a spawn and ends a
// restarting grain) once the member is stopping.
func (k *grainKind) produce() actor.Actor {
	if k.c.stopping.Load() {
		return nil
	}
	return k.user()
}

// start admits an instance of a grain, or refuses it: the name is not a
// grain of this kind, the member is stopping, or by this member's view
// another member owns the identity (the sender's view differs; it will
// retry). The first instance enters the activation table before the view
// is read, so that a view change either is seen here or finds the grain
// in the table (handOff), and waits for the previous owner's release. A
// grain asked to stop before it started starts all the same: the messages
// let through its gate before the stop come first.
func (k *grainKind) start(ctx *actor.Context, t *actor.Tag) bool {
	g, c := grainOf(t), k.c
	first := g.State.Load()&counted == 0
	id, ok := parseActorName(ctx.Self().ID)
	ok = ok && id.Kind == k.name
	if ok && first {
		g.State.Or(touched) // not idle before its first sweep
		c.grains.put(g)
	}
	owner := ""
	if ok {
		owner = c.view.current().ownerOf(id)
	}
	if owner != c.self || c.stopping.Load() {
		if owner != "" && owner != c.self {
			c.doubt(owner)
		}
		g.refuse()
		k.stats.refused.Add(1)
		return false // end takes it out of the table
	}
	if first {
		c.release(id)
		g.State.Or(counted | touched)
		k.stats.activations.Add(1)
	}
	return true
}

// end takes g out of the table once its actor has stopped, however it
// stopped, and refuses local sends from then on.
func (k *grainKind) end(t *actor.Tag) {
	g := grainOf(t)
	v := g.State.Or(gateClosed | gatePoisoned)
	k.c.grains.remove(g)
	if v&counted != 0 {
		k.stats.stopped(stopWhy(v & whyMask >> whyShift))
	}
}

// refuse closes g's gate and marks it handed off, without poisoning it:
// the runtime stops it. A local sender retries.
func (g *grain) refuse() {
	for {
		v := g.State.Load()
		next := v | gateClosed | gatePoisoned
		if v&whyMask == 0 {
			next |= uint64(stopHandoff) << whyShift
		}
		if g.State.CompareAndSwap(v, next) {
			return
		}
	}
}

// handOff stops the grains this member no longer owns by its view: the
// new owner activates them on their next message.
func (c *Cluster) handOff() {
	snap := c.view.current()
	c.grains.each(func(g *grain) {
		if id, ok := parseActorName(g.name()); ok && snap.ownerOf(id) != c.self {
			g.stop(c.sys, stopHandoff)
		}
	})
}

// passivateIdle stops the grains that handled no message for two sweeps
// (IdleAfter/2 apart).
func (c *Cluster) passivateIdle() {
	c.grains.each(func(g *grain) {
		switch v := g.State.And(^uint64(touched)); {
		case v&touched != 0:
			if v&idleOnce != 0 {
				g.State.And(^uint64(idleOnce))
			}
		case v&idleOnce == 0:
			g.State.Or(idleOnce)
		default:
			g.stop(c.sys, stopIdle)
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
	g.stop(c.sys, stopHandoff)
	ctx, cancel := context.WithTimeout(ctx, releaseTimeout)
	defer cancel()
	c.sys.Wait(ctx, g.pid())
}
