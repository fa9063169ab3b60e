package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/remote"
)

// Each member runs a control actor. Other members ask it whether the node
// at the address a member gossips is that member, in that run: to end a
// suspicion (probe) and before placing grains there (confirm); a new owner
// also asks it to release an identity (see release).

// ctlName is the name of each member's control actor, which answers the
// probes of members whose transport lost this one.
const ctlName = "troupe.cluster"

// ping is what a probe sends to the control actor; a string, so that it
// crosses the wire with the built-in types only. The answer names the
// member's run (see pingReply).
const ping = "troupe.cluster.ping"

// pingReply is the control actor's answer to a ping on the member whose
// incarnation is inc: a prober learns that the node at the address a
// member gossips is that member, in that run.
func pingReply(inc uint64) string { return ping + ":" + strconv.FormatUint(inc, 16) }

// control answers probes (whoever gets the answer knows this member's
// node is reachable) and releases (see release).
func (c *Cluster) control(ctx *actor.Context) {
	s, ok := ctx.Message().(string)
	switch {
	case !ok:
	case s == ping:
		ctx.Respond(pingReply(c.inc))
	case strings.HasPrefix(s, releasePrefix):
		id, ok := parseActorName(s[len(releasePrefix):])
		if ok {
			c.released(ctx.Context(), id)
		}
		ctx.Respond(s)
	}
}

func (c *Cluster) probeInterval() time.Duration {
	if c.cfg.Profile == Loopback {
		return 200 * time.Millisecond
	}
	return time.Second
}

// probe asks m's control actor for an answer: if it comes, the transport
// reaches m (again), and a suspicion ends; if the transport cannot reach
// it, m is suspect.
func (c *Cluster) probe(m Member, probed chan<- string) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), c.probeInterval())
		defer cancel()
		go func() { // the probe ends with the member
			select {
			case <-c.quit:
				cancel()
			case <-ctx.Done():
			}
		}()
		switch err := c.ask(ctx, m); {
		case err == nil:
			c.view.cleared(m.Addr, m.Incarnation)
		case errors.Is(err, errNotMember), errors.Is(err, remote.ErrNodeDown):
			c.view.suspect(m.Addr)
		}
		select {
		case probed <- m.Addr:
		case <-c.quit:
		}
	}()
}

// errNotMember is ask's error when the node at a member's address is not
// that member's, or not in that run.
var errNotMember = errors.New("cluster: the node there is not the member")

// ask pings m's control actor and checks that the answer is m's, in the
// run m gossips.
func (c *Cluster) ask(ctx context.Context, m Member) error {
	ans, err := c.sys.Request(ctx, actor.PID{Address: m.Addr, ID: ctlName}, ping)
	switch {
	case err == nil && ans == pingReply(m.Incarnation):
		return nil
	case err == nil:
		return fmt.Errorf("%w: %s answered %.80q", errNotMember, m.Addr, fmt.Sprint(ans))
	case errors.Is(err, actor.ErrNotFound):
		return fmt.Errorf("%w: %s has no member's control actor: %w", errNotMember, m.Addr, err)
	case errors.Is(err, actor.ErrStopped), errors.Is(err, remote.ErrNodeStopped):
		// The control actor, or its node, stopped with the ping queued:
		// the member there is closing.
		return fmt.Errorf("%w: %s is closing: %w", errNotMember, m.Addr, err)
	}
	return err
}

// confirm makes sure, once per run of the member at addr, that the node
// at that address is that member (see ask) before this member sends it
// grains: a member gossips its address, and one that names a node not its
// own (by a mistake in its Advertise, or on purpose) would otherwise be
// given identities that node cannot host. A member that fails is suspect,
// and the caller retries on another owner.
func (c *Cluster) confirm(ctx context.Context, addr string) error {
	m, ok := c.view.member(addr)
	if !ok {
		return fmt.Errorf("%w: %s left the view", ErrHandoff, addr)
	}
	c.confirmMu.Lock()
	done := c.confirmed[addr] == m.Incarnation
	c.confirmMu.Unlock()
	if done {
		return nil
	}
	switch err := c.ask(ctx, m); {
	case err == nil:
		c.confirmMu.Lock()
		c.confirmed[addr] = m.Incarnation
		c.confirmMu.Unlock()
		return nil
	case errors.Is(err, errNotMember), errors.Is(err, remote.ErrNodeDown):
		c.log.Warn("cluster: member not confirmed at its address; suspect", "member", addr, "err", err)
		c.view.suspect(addr)
		return fmt.Errorf("%w: %w", ErrHandoff, err)
	default:
		return err
	}
}

// forgetConfirmed drops what confirm remembers of members no longer in
// the view.
func (c *Cluster) forgetConfirmed() {
	c.confirmMu.Lock()
	defer c.confirmMu.Unlock()
	for addr := range c.confirmed {
		if _, ok := c.view.member(addr); !ok {
			delete(c.confirmed, addr)
		}
	}
}
