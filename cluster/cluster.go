package cluster

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/remote"
)

// A Cluster is one member: memberlist running beside a remote.Node, the
// member's view of the others, the grains it hosts, and the cache of where
// it last found the grains it sends to. Make one with Start; stop it with
// Stop or Close. The node and its System go on after the member stops.
type Cluster struct {
	node *remote.Node
	sys  *actor.System
	cfg  Config
	log  *slog.Logger
	self string // the node's address: this member's name
	inc  uint64

	kinds  map[string]*grainKind
	view   *view
	grains *grainTable
	cache  *pidCache
	stats  stats

	meta  meta
	del   *delegate
	ml    *memberlist.Memberlist
	tr    *transport
	unsub func()
	ctl   actor.PID

	confirmMu sync.Mutex
	confirmed map[string]uint64 // member address -> the incarnation confirm found there

	changed chan struct{} // cap 1: the view changed, the loop looks at the grains
	verify  chan string   // members whose ownership a refused activation doubts
	quit    chan struct{} // closed when Stop or Close begins
	done    chan struct{} // closed when the loop has returned
	wg      sync.WaitGroup

	stopping  atomic.Bool
	rejoining atomic.Bool // a rejoin is under way
	stopOnce  sync.Once
	stopErr   error
}

// Start makes the node a member of a cluster as cfg says: it registers
// cfg.Kinds on the node, starts memberlist on cfg.Addr, and joins
// cfg.Seeds: once before it returns (each seed that does not answer costs
// memberlist's TCP timeout), then, if none answered, in the background
// every RejoinInterval until one does. The node's Config must set
// AllowRemoteSpawn when the member hosts kinds, and Start must be called
// once per node.
//
// Start returns an error wrapping ErrInvalidConfig for a Config that
// cannot work or a nil node, the node's error for a kind it cannot
// register (remote.ErrDuplicateKind from a second Start), or
// memberlist's for an address it cannot bind.
func Start(node *remote.Node, cfg Config) (*Cluster, error) {
	if node == nil {
		return nil, fmt.Errorf("%w: nil node", ErrInvalidConfig)
	}
	cfg = cfg.defaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	select {
	case <-node.Done():
		return nil, fmt.Errorf("%w: the node has stopped", ErrInvalidConfig)
	default:
	}
	var b [8]byte
	rand.Read(b[:])
	c := &Cluster{
		node: node, sys: node.System(), cfg: cfg, log: cfg.Logger, self: node.Addr(),
		inc:       binary.BigEndian.Uint64(b[:]) | 1, // never 0, which means "any run"
		kinds:     map[string]*grainKind{},
		grains:    newGrainTable(),
		cache:     newPIDCache(),
		confirmed: map[string]uint64{},
		changed:   make(chan struct{}, 1),
		verify:    make(chan string, 64),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	c.view = newView(c.publish, c.poke)
	c.meta = meta{Addr: c.self, Incarnation: c.inc, Kinds: slices.Sorted(maps.Keys(cfg.Kinds))}
	metaBytes, err := c.meta.encode()
	if err != nil {
		return nil, err
	}
	for _, kind := range c.meta.Kinds {
		k := newGrainKind(c, kind, cfg.Kinds[kind])
		c.kinds[kind] = k
		if err := node.RegisterKind(kind, k.producer, actor.WithKind(kind), actor.WithHooks(&k.hooks)); err != nil {
			return nil, fmt.Errorf("cluster: kind %q: %w", kind, err)
		}
	}
	if c.ctl, err = c.sys.Spawn(func() actor.Actor { return actor.ReceiveFunc(c.control) }, actor.WithName(ctlName)); err != nil {
		return nil, fmt.Errorf("cluster: control actor: %w", err)
	}
	c.unsub = c.sys.Subscribe(c.onEvent)
	if err := c.startMemberlist(metaBytes); err != nil {
		c.unsub()
		c.sys.Stop(c.ctl)
		return nil, err
	}
	go c.loop()
	c.log.Info("cluster: member started", "addr", c.self, "gossip", c.GossipAddr(), "kinds", c.meta.Kinds)
	if len(cfg.Seeds) > 0 {
		// Once here, so that a member that could join starts with the
		// others in its view; then in the background until one answers.
		if n, err := c.ml.Join(cfg.Seeds); n == 0 {
			c.log.Warn("cluster: cannot join the seeds yet", "seeds", cfg.Seeds, "err", err)
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				c.join(cfg.Seeds)
			}()
		}
	}
	return c, nil
}

func (c *Cluster) startMemberlist(metaBytes []byte) error {
	d := &delegate{view: c.view, log: c.log}
	d.meta.Store(&metaBytes)
	c.del = d
	tr, port, err := newTransport(c.cfg.Addr, nil)
	if err != nil {
		return fmt.Errorf("cluster: memberlist on %s: %w", c.cfg.Addr, err)
	}
	mc, err := memberlistConfig(&c.cfg, c.self, d, tr, port)
	if err != nil {
		tr.Shutdown()
		return err
	}
	ml, err := memberlist.Create(mc)
	if err != nil {
		tr.Shutdown()
		return fmt.Errorf("cluster: memberlist: %w", err)
	}
	c.ml, c.tr = ml, tr
	return nil
}

// GossipAddr returns the address memberlist listens on, host:port: what
// other members give as a seed.
func (c *Cluster) GossipAddr() string {
	n := c.ml.LocalNode()
	return net.JoinHostPort(n.Addr.String(), strconv.Itoa(int(n.Port)))
}

// Addr returns this member's address: its node's.
func (c *Cluster) Addr() string { return c.self }

// Members returns the members in this member's view, itself included,
// sorted by address, in every state. Only the Alive ones own identities.
func (c *Cluster) Members() []Member {
	return slices.Clone(c.view.current().members)
}

// Join joins the members at addrs (gossip addresses, host:port, or DNS
// names), and returns how many it reached: an error only when it reached
// none, or when ctx ended first.
func (c *Cluster) Join(ctx context.Context, addrs ...string) (int, error) {
	if ctx == nil {
		return 0, actor.ErrNilContext
	}
	if c.stopping.Load() {
		return 0, ErrStopped
	}
	if len(addrs) == 0 {
		return 0, fmt.Errorf("%w: Join with no address", ErrInvalidConfig)
	}
	type result struct {
		n   int
		err error
	}
	ch := make(chan result, 1)
	c.wg.Add(1)
	go func() { // memberlist's Join takes no context; it ends within its TCP timeout
		defer c.wg.Done()
		n, err := c.ml.Join(addrs)
		ch <- result{n, err}
	}()
	select {
	case r := <-ch:
		if r.n == 0 && r.err != nil {
			return 0, fmt.Errorf("cluster: join %v: %w", addrs, r.err)
		}
		return r.n, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// join joins seeds until one answers, or the member stops.
func (c *Cluster) join(seeds []string) {
	t := time.NewTimer(c.cfg.RejoinInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-c.quit:
			return
		}
		n, err := c.ml.Join(seeds)
		if n > 0 {
			return
		}
		c.log.Warn("cluster: cannot join the seeds yet", "seeds", seeds, "err", err)
		t.Reset(c.cfg.RejoinInterval)
	}
}

// publish publishes a membership change and counts it.
func (c *Cluster) publish(e MemberEvent) {
	c.stats.changes[e.Member.State].Add(1)
	c.log.Info("cluster: member "+e.Member.State.String(), "member", e.Member.Addr, "was", e.Previous.String())
	c.sys.Publish(e)
}

// doubt asks the loop to probe addr, which this member's view says owns
// an identity that another member's view placed here: if the transport
// cannot reach addr, the views agree again once it is suspect here too.
func (c *Cluster) doubt(addr string) {
	select {
	case c.verify <- addr:
	default: // probes are under way
	}
}

// poke tells the loop that the view changed.
func (c *Cluster) poke() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// onEvent feeds the transport's notices into the view: a member whose
// connection is lost is suspect at once, not after memberlist's timeouts.
func (c *Cluster) onEvent(ev actor.Event) {
	switch e := ev.(type) {
	case actor.NodeDown:
		if !c.stopping.Load() {
			c.view.suspect(e.Address)
		}
	case actor.NodeUp:
		c.view.cleared(e.Address, 0)
	}
}

// loop owns the member's periodic work: handing off the grains it no
// longer owns when the view changes, passivating idle grains, probing
// suspect members, and rejoining lost ones.
func (c *Cluster) loop() {
	defer close(c.done)
	var sweep <-chan time.Time
	if c.cfg.IdleAfter > 0 {
		t := time.NewTicker(max(c.cfg.IdleAfter/2, time.Millisecond))
		defer t.Stop()
		sweep = t.C
	}
	probe := time.NewTicker(c.probeInterval())
	defer probe.Stop()
	rejoin := time.NewTicker(c.cfg.RejoinInterval)
	defer rejoin.Stop()
	probing := map[string]bool{}
	probed := make(chan string)
	for {
		select {
		case <-c.changed:
			c.handOff()
		case <-sweep:
			c.passivateIdle()
		case <-probe.C:
			for _, m := range c.view.current().members {
				if m.State == Suspect && !probing[m.Addr] {
					probing[m.Addr] = true
					c.probe(m, probed)
				}
			}
		case addr := <-c.verify:
			if m, ok := c.view.member(addr); ok && m.State == Alive && !probing[addr] {
				probing[addr] = true
				c.probe(m, probed)
			}
		case addr := <-probed:
			delete(probing, addr)
		case <-rejoin.C:
			if c.cfg.ForgetDeadAfter > 0 {
				c.view.reap(time.Now().Add(-c.cfg.ForgetDeadAfter))
			}
			c.forgetConfirmed()
			c.rejoin()
		case <-c.quit:
			return
		}
	}
}

// rejoin tries to join again the members memberlist declared dead (a
// healed partition merges this way, as Serf's reconnect does) and, when
// this member sees no other, the seeds.
func (c *Cluster) rejoin() {
	var addrs []string
	others := 0
	for _, m := range c.view.current().members {
		switch {
		case m.Addr == c.self:
		case m.State == Dead:
			addrs = append(addrs, m.Gossip)
		default:
			others++
		}
	}
	if others == 0 {
		addrs = append(addrs, c.cfg.Seeds...)
	}
	// One at a time: each address that does not answer costs memberlist's
	// TCP timeout, which may exceed RejoinInterval.
	if len(addrs) == 0 || !c.rejoining.CompareAndSwap(false, true) {
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer c.rejoining.Store(false)
		c.ml.Join(addrs) // failures are expected: they are dead until they answer
	}()
}

// Stop leaves the cluster gracefully: the member refuses new activations
// (senders retry), stops its grains and waits for them (their Stopping
// runs), tells the others it is leaving (they place its identities
// elsewhere from then on), broadcasts its leave, and shuts memberlist
// down, until ctx ends; then it closes what is left, as Close does. Grains
// stop before the others move their identities, so that no identity is
// active on two members meanwhile. It returns nil
// when all was done in time, and ctx's error otherwise. It is idempotent;
// later calls return the first one's result. A nil ctx is actor.ErrNilContext.
func (c *Cluster) Stop(ctx context.Context) error {
	if ctx == nil {
		return actor.ErrNilContext
	}
	c.stopOnce.Do(func() { c.stopErr = c.stop(ctx) })
	return c.stopErr
}

// Close stops the member at once: its grains are stopped without waiting,
// memberlist shuts down without a leave (the others see it dead).
func (c *Cluster) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c.stopOnce.Do(func() { c.stop(ctx) })
	return nil
}

func (c *Cluster) stop(ctx context.Context) error {
	c.stopping.Store(true)
	close(c.quit)
	<-c.done
	var errs []error
	for _, g := range c.grains.all() {
		g.stop(c.sys, stopLeave)
	}
	if ctx.Err() == nil {
		for _, g := range c.grains.all() {
			if _, err := c.sys.Wait(ctx, g.pid()); err != nil && !errors.Is(err, actor.ErrNotFound) {
				errs = append(errs, err)
				break
			}
		}
	}
	if ctx.Err() == nil {
		timeout := DefaultLeaveTimeout
		if d, ok := ctx.Deadline(); ok {
			timeout = max(time.Until(d), time.Millisecond)
		}
		m := c.meta
		m.Leaving = true
		b, _ := m.encode() // it fitted without the flag, which takes no room
		c.del.meta.Store(&b)
		if err := c.ml.UpdateNode(timeout); err != nil {
			errs = append(errs, fmt.Errorf("cluster: announcing the leave: %w", err))
		}
		if err := c.ml.Leave(timeout); err != nil {
			errs = append(errs, fmt.Errorf("cluster: leave: %w", err))
		}
	}
	c.ml.Shutdown()
	c.tr.closeStreams()
	c.unsub()
	c.sys.Stop(c.ctl)
	c.wg.Wait()
	c.log.Info("cluster: member stopped", "addr", c.self)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cluster: stop: %w", err)
	}
	return errors.Join(errs...)
}
