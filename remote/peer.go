package remote

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/internal/backoff"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/remote/wire"
)

// A peer is another node as this one sees it: its queue, its connection
// when there is one, and what is pending on it (requests, watches). Its
// goroutine, run, owns its lifecycle: idle → dialing → up → down → idle,
// and serves one session (one connection) at a time, whether dialled or
// accepted. The queue outlives the sessions, so that what waits in it is
// written once a connection is back.
type peer struct {
	n    *Node
	addr string
	rw   pidRewrite // how the PIDs of its payloads are renamed here

	queue *mailbox.Queue[outMsg] // the data lane: messages and poisons, in order
	kick  chan struct{}          // wakes run when work arrives while not up
	adopt chan *session          // accepted sessions, handed to run
	done  chan struct{}          // closed when run returns

	// use is read-locked by every call that adds work to the peer, so
	// that retire, which write-locks it, never drops a peer that is being
	// handed something; retired (under use) sends those calls to a fresh
	// peer.
	use     sync.RWMutex
	retired bool

	up         atomic.Bool   // a session is serving: no kick needed
	ctlWaiting atomic.Bool   // the control lane may hold frames
	enc        *wire.Encoder // reused by each session's writer in turn
	stats      counters
	bytes      byteBudget    // of the data lane (outbytes.go)
	inbound    atomic.Int64  // payload bytes delivered here and not yet taken (inbox.go)
	taken      chan struct{} // a receipt gave some back

	mu       sync.Mutex
	sess     *session // the session serving, nil when down
	gen      uint64   // sessions so far; each session's gen is unique
	dialing  bool
	incoming int                   // sessions decide accepted, not yet adopted or failed
	control  []ctlFrame            // the control lane: replies, watches, stops...
	ctlBytes int                   // what the replies in control weigh
	carry    []outMsg              // left unwritten by a failed session: first on the next
	pending  map[uint64]*request   // requests sent to the peer, by id
	watches  map[watchKey]struct{} // local watchers of the peer's actors
	watchers map[watchKey]uint64   // the peer's watchers of local actors, by session
	lastRun  wire.Incarnation      // the incarnation of the last session
	lastMark uint64                // the queue's Mark when it ended
	downTold bool                  // NodeDown published since the last NodeUp

	// Set at the peer's birth and by inbound connections; read by sends,
	// here, away from the lines that sends and the reader write.
	claimed atomic.Bool // made by an inbound connection, unused here: it goes with its connection
	arrived atomic.Bool // an inbound connection has been accepted for it (decide)
}

// watchKey names one watch: target watched by watcher, each an id on its
// own node.
type watchKey struct{ target, watcher string }

func newPeer(n *Node, addr string) *peer {
	p := &peer{
		n: n, addr: addr, rw: pidRewrite{from: addr, self: n.addr},
		kick:     make(chan struct{}, 1),
		taken:    make(chan struct{}, 1),
		adopt:    make(chan *session),
		done:     make(chan struct{}),
		enc:      wire.NewEncoder(n.cfg.MaxFrameSize),
		pending:  map[uint64]*request{},
		watches:  map[watchKey]struct{}{},
		watchers: map[watchKey]uint64{},
	}
	p.bytes.limit = int64(n.cfg.OutboundBytes)
	p.queue = mailbox.New[outMsg](n.cfg.OutboundQueue, mailbox.WithOverflow(n.cfg.Overflow)).
		OnDrop(func(m outMsg) {
			p.release(m.size)
			p.drop(m, ErrQueueFull)
		})
	return p
}

// incomingDone marks an accepted session adopted or failed, and wakes run
// to look again.
func (p *peer) incomingDone() {
	p.mu.Lock()
	p.incoming--
	p.mu.Unlock()
	p.poke()
}

// poke wakes run if it is waiting for work.
func (p *peer) poke() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// run owns the peer until the node stops.
func (p *peer) run() {
	defer func() {
		if p.retired { // set by this goroutine, in connect
			p.n.retiring.Done()
		}
	}()
	defer close(p.done)
	defer p.shutdown()
	var next *session
	for {
		s := next
		if s == nil {
			if s = p.connect(); s == nil {
				return
			}
		}
		next = p.serve(s)
		if next == nil && p.n.life.Stopping() {
			return
		}
	}
}

// connect waits for work or an accepted session, and dials while there is
// work, with backoff; it returns nil when the node stops, or when the
// peer retires: down for ReconnectGiveUp with nothing to do. A failed dial is
// a node down for what needs a live peer (requests, watches) and for the
// System's subscribers (NodeDown, once until the peer is up); queued
// messages wait, until ReconnectGiveUp has passed since the first failure:
// from then on every failure makes dead letters of the queue.
func (p *peer) connect() *session {
	var failingSince time.Time
	fails := 0 // failed attempts in a row, for the backoff
	retry := backoff.Policy{Min: p.n.cfg.ReconnectMin, Max: p.n.cfg.ReconnectMax}
	downSince := time.Now()
	// A peer made by an inbound connection and never used here goes as
	// soon as its connection is over; if something still holds it (the
	// connection's handler not yet done with it, a request in flight), it
	// tries again at the next kick rather than spinning.
	goNow := true
	for {
		if !p.hasWork() {
			wait := max(0, p.n.cfg.ReconnectGiveUp-time.Since(downSince))
			if goNow && p.claimed.Load() && p.arrived.Load() {
				wait = 0
			}
			idle := time.NewTimer(wait)
			select {
			case s := <-p.adopt:
				idle.Stop()
				return s
			case <-p.kick:
				idle.Stop()
				goNow = true
				continue
			case <-p.n.life.Quit():
				idle.Stop()
				return nil
			case <-idle.C:
				if p.retire() {
					return nil
				}
				goNow = false
				downSince = time.Now()
				continue
			}
		}
		if !p.beginDial() {
			// The peer's own dial has just been accepted: dialling now
			// would make a second connection, which the peer may keep
			// while this side keeps the first. Wait for it instead.
			select {
			case s := <-p.adopt:
				return s
			case <-p.kick: // it failed: look again
				continue
			case <-p.n.life.Quit():
				return nil
			}
		}
		if h := p.n.hook.dial; h != nil {
			h(p.addr)
		}
		s, err := p.dialOnce()
		if s != nil || err == nil {
			return s
		}
		if p.n.life.Stopping() {
			return nil
		}
		var refused *wire.RefusedError
		if !errors.As(err, &refused) || refused.Code != wire.CodeDuplicate {
			p.n.log.Warn("remote: cannot connect", "peer", p.addr, "err", err)
			p.lost(nil, err)
			p.dialFailed(err)
			if failingSince.IsZero() {
				failingSince = time.Now()
			}
			if time.Since(failingSince) >= p.n.cfg.ReconnectGiveUp {
				p.giveUp(fmt.Errorf("%w: %s: %w", ErrNodeUnreachable, p.addr, err))
			}
		}
		fails++
		t := time.NewTimer(retry.Delay(fails))
		select {
		case s := <-p.adopt:
			t.Stop()
			return s
		case <-t.C:
		case <-p.n.life.Quit():
			t.Stop()
			return nil
		}
	}
}

// beginDial marks the peer dialing, unless a session the peer opened has
// been accepted and is on its way to run; it reports whether it did. It
// checks and marks under p.mu, as decide does, so that on the lower
// address accepting the peer's dial and beginning our own exclude each
// other.
//
// Checked apart from the mark, as they once were, they let this
// interleaving through: the lower node L finds nothing accepted and
// decides to dial; the higher node H dials L, and L, not dialling yet,
// accepts it; L dials H anyway, and H, which accepts every dial of a lower
// node, replaces its own connection with L's; L's peer goroutine then
// takes H's connection, dropping its dial, or replacing the session the
// dial made if H's connection reaches it late. Each side closed the
// connection the other kept: both went down, and what was written on them
// was Uncertain, lost.
func (p *peer) beginDial() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.incoming > 0 {
		return false
	}
	p.dialing = true
	return true
}

// dialOnce dials the peer, once beginDial has marked it dialing, in a
// goroutine of its own, so that a session the peer opens meanwhile (a
// simultaneous connect, on the higher address) is taken at once; the dial
// is then abandoned and waited for. A dialled session leaves p.dialing set
// until install makes it the peer's: decide must not accept the peer's own
// dial in between, or each side would replace the connection the other
// keeps, and both would die.
func (p *peer) dialOnce() (s *session, err error) {
	defer func() {
		if s == nil || !s.outbound {
			p.mu.Lock()
			p.dialing = false
			p.mu.Unlock()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), p.n.cfg.HandshakeTimeout)
	defer cancel()
	type result struct {
		s   *session
		err error
	}
	dialed := make(chan result, 1)
	go func() {
		conn, remote, err := p.n.dialPeer(ctx, p.addr)
		if err != nil {
			dialed <- result{nil, err}
			return
		}
		dialed <- result{newSession(p, conn, remote, true), nil}
	}()
	select {
	case r := <-dialed:
		return r.s, r.err
	case s := <-p.adopt:
		cancel()
		if r := <-dialed; r.s != nil {
			r.s.conn.Close()
		}
		return s, nil
	case <-p.n.life.Quit(): // a stopping node starts nothing new
		cancel()
		if r := <-dialed; r.s != nil {
			r.s.conn.Close()
		}
		return nil, ErrNodeStopped
	}
}

// hasWork reports whether the peer has something to send: queued
// messages or frames, or watches to register.
func (p *peer) hasWork() bool {
	if p.queue.Waiting() > 0 {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.carry) > 0 || len(p.control) > 0 || len(p.watches) > 0
}

// lost ends what lived on session s, or, for a failed dial (s nil), on the
// peer: requests written on s (every pending request, for a failed dial)
// fail, every local watcher of the peer's actors gets Terminated, and the
// peer's watches of local actors are dropped. Each reason wraps
// ErrNodeDown and cause.
func (p *peer) lost(s *session, cause error) {
	reason := fmt.Errorf("%w: %s: %w", ErrNodeDown, p.addr, cause)
	var gen uint64
	wasUp := false
	p.mu.Lock()
	if s != nil {
		gen = s.gen
		if p.sess == s {
			p.sess = nil
			p.up.Store(false)
			wasUp = true
			p.downTold = true
		}
		// What is queued now was meant for this run of the peer.
		p.lastRun, p.lastMark = s.remote.Incarnation, p.queue.Mark()
	}
	var reqs []*request
	for id, r := range p.pending {
		if s == nil || r.gen.Load() == gen {
			reqs = append(reqs, r)
			delete(p.pending, id)
		}
	}
	watches, watchers := p.watches, p.watchers
	p.watches, p.watchers = map[watchKey]struct{}{}, map[watchKey]uint64{}
	ctl := p.control[:0]
	p.ctlBytes = 0
	for _, f := range p.control {
		if s != nil && f.gen != gen {
			ctl = append(ctl, f) // for any session: kept for the next
			p.ctlBytes += f.size
		}
	}
	clear(p.control[len(ctl):])
	p.control = ctl
	p.mu.Unlock()

	failed := fmt.Errorf("%w: %w", actor.ErrNoReply, reason)
	for _, r := range reqs {
		r.reply.Complete(nil, failed)
	}
	for w := range watches {
		p.n.link.Terminated(actor.PID{ID: w.watcher}, actor.PID{Address: p.addr, ID: w.target}, reason)
	}
	for w := range watchers {
		p.n.link.Unwatch(actor.PID{ID: w.target}, actor.PID{Address: p.addr, ID: w.watcher})
	}
	if wasUp {
		p.n.link.NodeDown(p.addr, reason)
	}
}

// dialFailed publishes NodeDown for a failed dial, once until the peer is
// up again: the node cannot be reached, which a subscriber (a cluster's
// view) must hear as it hears of a lost connection, and not only when the
// node was up before.
func (p *peer) dialFailed(cause error) {
	p.mu.Lock()
	told := p.downTold
	p.downTold = true
	p.mu.Unlock()
	if !told {
		p.n.link.NodeDown(p.addr, fmt.Errorf("%w: %s: %w", ErrNodeDown, p.addr, cause))
	}
}

// retire removes the peer from the node's table if nothing uses it or
// waits in it: a node talking to many short-lived nodes does not keep
// them all. The next send to its address makes a new peer.
func (p *peer) retire() bool {
	if !p.use.TryLock() {
		return false // something is being handed to it
	}
	defer p.use.Unlock()
	n := p.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.life.Stopping() {
		return false
	}
	p.mu.Lock()
	busy := p.queue.Waiting() > 0 || p.sess != nil || p.incoming > 0 || len(p.carry) > 0 || len(p.control) > 0 ||
		len(p.pending) > 0 || len(p.watches) > 0 || len(p.watchers) > 0
	p.mu.Unlock()
	if busy {
		return false
	}
	p.retired = true
	old := *n.peers.Load()
	next := make(map[string]*peer, len(old))
	for k, v := range old {
		if v != p {
			next[k] = v
		}
	}
	n.peers.Store(&next)
	n.retiring.Add(1) // Stop waits for its goroutine too
	return true
}

// giveUp makes dead letters of every message waiting for the peer.
func (p *peer) giveUp(reason error) {
	p.mu.Lock()
	carry := p.carry
	p.carry = nil
	p.mu.Unlock()
	for _, m := range carry {
		p.release(m.size)
		p.drop(m, reason)
	}
	for {
		batch, _ := p.queue.Drain()
		if len(batch) == 0 {
			return
		}
		for i := range batch {
			p.queue.Taken(i + 1)
			p.release(batch[i].size)
			p.drop(batch[i], reason)
		}
	}
}

// shutdown runs when the node stops: the queue takes no more, and what is
// left in it, or pending on the peer, ends.
func (p *peer) shutdown() {
	p.queue.Close()
	p.lost(nil, ErrNodeStopped)
	p.giveUp(ErrNodeStopped)
	p.mu.Lock()
	p.control, p.ctlBytes = nil, 0
	p.mu.Unlock()
}

// drop makes a dead letter of m, a message the peer will never write.
func (p *peer) drop(m outMsg, reason error) {
	if m.info == nil {
		p.n.log.Warn("remote: poison not sent", "target", m.target, "peer", p.addr, "reason", reason)
		return
	}
	p.stats.dropped.Add(1)
	var reply actor.Reply
	if m.req != nil {
		reply = m.req.reply
	}
	var sender actor.PID
	if m.sender != "" {
		sender.ID = m.sender
	}
	p.n.link.DeadLetter(actor.PID{Address: p.addr, ID: m.target}, sender, m.value(), reply, reason)
}
