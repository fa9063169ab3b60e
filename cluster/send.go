package cluster

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/remote"
)

// Sending to an identity: find its owner in this member's view, find or
// make its activation there, and send to that PID; keep the PID until the
// view changes or a send finds it gone. An error that proves the message
// was not handled (no owner yet, an activation refused or stopped before
// the message) is retried after a pause, until the context ends; any other
// is returned.

// Pauses between two attempts: short, since a handoff takes a view change,
// and jittered, so that the senders of one identity do not retry together.
const (
	retryMin = 5 * time.Millisecond
	retryMax = 250 * time.Millisecond
)

// Send sends msg to the grain id, activating it on its owner if needed.
// It retries what was not delivered (see ErrHandoff, ErrNoMember) until ctx
// ends, and returns an error that wraps ctx's and the last cause then. A
// nil error means the message is on its way to the activation, as with
// actor.System.Send to a PID: if the activation stops before it arrives
// (passivation, handoff), it becomes a dead letter on the owner, with
// actor.ErrNotFound or actor.ErrStopped as its reason. Use Request to know
// it was handled.
func (c *Cluster) Send(ctx context.Context, id ID, msg any) error {
	_, err := c.attempt(ctx, id, func(pid actor.PID) (any, error) {
		return nil, c.sys.SendContext(ctx, pid, msg)
	})
	return err
}

// Request sends msg to the grain id, activating it on its owner if needed,
// and returns the grain's answer (see actor.Context.Respond). It retries
// what was not handled until ctx ends. An error wrapping remote.ErrNodeDown
// means the owner was lost while the request was on its way: it may have
// been handled, so it is not retried; the next request goes to the new
// owner.
func (c *Cluster) Request(ctx context.Context, id ID, msg any) (any, error) {
	return c.attempt(ctx, id, func(pid actor.PID) (any, error) {
		return c.sys.Request(ctx, pid, msg)
	})
}

// Get returns the PID of the grain id's activation, activating it if
// needed. The PID stays valid until the activation stops: after its owner
// changes, or it passivates. Send and Request find the new one; a holder
// of the PID gets actor.ErrNotFound and should call Get again.
func (c *Cluster) Get(ctx context.Context, id ID) (actor.PID, error) {
	var pid actor.PID
	_, err := c.attempt(ctx, id, func(p actor.PID) (any, error) {
		pid = p
		return nil, nil
	})
	return pid, err
}

// attempt runs f on id's activation until it succeeds, fails for good, or
// ctx ends.
func (c *Cluster) attempt(ctx context.Context, id ID, f func(actor.PID) (any, error)) (any, error) {
	if ctx == nil {
		return nil, actor.ErrNilContext
	}
	if err := id.validate(); err != nil {
		return nil, err
	}
	k := c.stats.of(id.Kind)
	k.lookups.Add(1)
	var delay time.Duration
	for {
		if c.stopping.Load() {
			return nil, ErrStopped
		}
		pid, g, err := c.resolve(ctx, id)
		var v any
		switch {
		case err != nil:
		case g != nil && !g.enter(c.sys):
			// It is stopping here: refused before it was sent.
			err = fmt.Errorf("%w: %s is stopping", ErrHandoff, id)
		default:
			v, err = f(pid)
			if g != nil {
				g.leave(c.sys)
			}
			if err == nil {
				return v, nil
			}
			err = c.sendFailed(id, pid, err)
		}
		if !errors.Is(err, ErrHandoff) && !errors.Is(err, ErrNoMember) {
			return nil, err
		}
		k.retries.Add(1)
		delay = nextDelay(delay)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("cluster: %s: %w; last attempt: %w", id, ctx.Err(), err)
		}
	}
}

func nextDelay(prev time.Duration) time.Duration {
	d := min(max(prev*2, retryMin), retryMax)
	return d/2 + rand.N(d/2+1)
}

// sendFailed classifies the error of a send or request to id's
// activation pid: wrapped in ErrHandoff when it proves the message was not
// handled, so that it is retried.
func (c *Cluster) sendFailed(id ID, pid actor.PID, err error) error {
	switch {
	case errors.Is(err, actor.ErrNotFound), errors.Is(err, actor.ErrStopped):
		c.forget(id, pid)
		return fmt.Errorf("%w: %s: %w", ErrHandoff, id, err)
	case errors.Is(err, remote.ErrNodeDown):
		c.forget(id, pid)
		c.view.suspect(pid.Address)
	case errors.Is(err, actor.ErrNoTransport), errors.Is(err, remote.ErrNodeStopped) && c.nodeStopped():
		return fmt.Errorf("%w: the node has stopped: %w", ErrStopped, err)
	case errors.Is(err, remote.ErrNodeStopped):
		// The owner is shutting down: it will leave, and the identity move.
		c.forget(id, pid)
		return fmt.Errorf("%w: %s: %w", ErrHandoff, id, err)
	}
	return err
}

func (c *Cluster) nodeStopped() bool {
	select {
	case <-c.node.Done():
		return true
	default:
		return false
	}
}

// forget drops the cached note that id is activated at pid, if pid is on
// another member.
func (c *Cluster) forget(id ID, pid actor.PID) {
	if pid.Address != "" && pid.Address != c.self {
		c.cache.forget(c.cache.key(id, hashString(pid.Address)))
	}
}

// resolve returns the PID of id's activation, and the grain itself when
// it is on this member: found in the table or started here, or on another
// member found in the cache or made there.
func (c *Cluster) resolve(ctx context.Context, id ID) (actor.PID, *grain, error) {
	owner, ok := c.view.current().ownerCand(id)
	switch {
	case !ok:
		return actor.PID{}, nil, fmt.Errorf("%w: %q", ErrNoMember, id.Kind)
	case owner.addr == c.self:
		g, err := c.activateLocal(id)
		if err != nil {
			return actor.PID{}, nil, err
		}
		return g.pid(), g, nil
	}
	key := c.cache.key(id, owner.hash)
	if c.cache.has(key) {
		return actor.PID{Address: owner.addr, ID: actorName(id)}, nil, nil
	}
	if err := c.confirm(ctx, owner.addr); err != nil {
		return actor.PID{}, nil, err
	}
	pid, err := c.activateRemote(ctx, owner.addr, id)
	if err != nil {
		return actor.PID{}, nil, err
	}
	c.cache.add(key)
	return pid, nil, nil
}

// localGrain returns id's grain on this member, or nil.
func (c *Cluster) localGrain(id ID) *grain { return c.grains.get(id) }

// activateLocal finds or starts id's grain on this member. A grain this
// sender spawns is its own to send to at once, before it enters the table
// when it starts (and checks ownership, as any grain does); another
// sender meanwhile finds the name taken, and retries.
func (c *Cluster) activateLocal(id ID) (*grain, error) {
	g := c.grains.get(id)
	if g == nil {
		var err error
		if g, err = c.spawnLocal(id); err != nil {
			return nil, err
		}
	}
	if g.ending() {
		// The next attempt finds it gone, and starts it again.
		return nil, fmt.Errorf("%w: %s is stopping here", ErrHandoff, id)
	}
	return g, nil
}

// spawnLocal spawns id's grain on this member.
func (c *Cluster) spawnLocal(id ID) (*grain, error) {
	k := c.kinds[id.Kind]
	t := actor.NewTag(&k.hooks)
	_, err := c.sys.Spawn(k.producer, actor.WithName(actorName(id)), actor.WithKind(id.Kind), actor.WithTag(t))
	switch {
	case err == nil:
		return grainOf(t), nil
	case errors.Is(err, actor.ErrNameTaken):
		// Starting (spawned by another sender or member) or ending: the
		// next attempt finds which.
		return nil, fmt.Errorf("%w: %s is starting or stopping here", ErrHandoff, id)
	case errors.Is(err, actor.ErrSystemStopped):
		return nil, fmt.Errorf("%w: %w", ErrStopped, err)
	}
	return nil, fmt.Errorf("%w: activating %s here: %w", ErrHandoff, id, err)
}

// activateRemote finds or starts id's activation on owner, through the
// node's remote spawn under the identity's fixed name.
func (c *Cluster) activateRemote(ctx context.Context, owner string, id ID) (actor.PID, error) {
	name := actorName(id)
	_, err := c.node.SpawnRemote(ctx, owner, id.Kind, remote.WithSpawnName(name))
	switch {
	case err == nil, errors.Is(err, actor.ErrNameTaken):
		return actor.PID{Address: owner, ID: name}, nil
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return actor.PID{}, err
	case errors.Is(err, remote.ErrUnknownKind), errors.Is(err, remote.ErrSpawnDisabled):
		// The owner announced the kind but will not make it: a
		// misconfigured member (AllowRemoteSpawn unset); retrying cannot help.
		return actor.PID{}, fmt.Errorf("cluster: activating %s on %s: %w", id, owner, err)
	case errors.Is(err, remote.ErrNodeStopped) && c.nodeStopped():
		return actor.PID{}, fmt.Errorf("%w: %w", ErrStopped, err)
	case errors.Is(err, remote.ErrNodeDown):
		c.view.suspect(owner) // the transport cannot reach it: place elsewhere now
	}
	return actor.PID{}, fmt.Errorf("%w: activating %s on %s: %w", ErrHandoff, id, owner, err)
}
