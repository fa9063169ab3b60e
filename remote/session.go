package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/troupe-go/troupe/remote/wire"
)

// A session is one connection to a peer, after the handshake: a reader
// goroutine, a writer goroutine, and the peer's goroutine watching both
// (serve). It ends once; fail records why.
type session struct {
	p        *peer
	conn     net.Conn
	remote   wire.Peer // the peer as it introduced itself
	outbound bool      // this node dialled
	gen      uint64    // set by install

	cancel     context.CancelCauseFunc // ends the context of the reader's deliveries
	once       sync.Once
	err        error         // why it ended; read after failed is closed
	failed     chan struct{} // closed by fail
	readerDone chan struct{}
	writerDone chan struct{}
	done       chan struct{} // closed once torn down and accounted for
	finalAck   chan struct{} // closed by the writer once its Ack after the peer's Close is written

	draining atomic.Bool   // write what is queued, then Close
	beat     atomic.Bool   // a heartbeat is due
	busy     atomic.Bool   // the reader waits for room in a local mailbox
	writes   atomic.Uint64 // writes begun
	flushes  atomic.Uint64 // writes ended

	// Acknowledgements (ack.go). Message frames this side handed to
	// writes, and the peer's last Ack of them; Message frames the reader
	// has read, for the writer to acknowledge, and whether the peer said
	// Close, after which that count is final.
	wrote      atomic.Uint64
	acked      uint64 // the reader's; read by serve once the reader is done
	read       atomic.Uint64
	peerClosed atomic.Bool
	ackArmed   atomic.Bool // a wake of the writer to acknowledge is due
	ackTimer   *time.Timer // the reader's; makes that wake

	last       *typeInfo // the reader's last type: most frames repeat it
	inbox      inbox     // the reader's messages not yet delivered
	staleBelow uint64    // queue sequence numbers below it were for the peer's previous run
}

func newSession(p *peer, conn net.Conn, remote wire.Peer, outbound bool) *session {
	return &session{
		p: p, conn: conn, remote: remote, outbound: outbound,
		failed:     make(chan struct{}),
		readerDone: make(chan struct{}),
		writerDone: make(chan struct{}),
		done:       make(chan struct{}),
		finalAck:   make(chan struct{}),
	}
}

// fail ends the session for err, once: the connection is closed under
// the reader and the writer, and the reader's deliveries stop waiting.
func (s *session) fail(err error) {
	s.once.Do(func() {
		s.err = err
		close(s.failed)
		if s.cancel != nil {
			s.cancel(err)
		}
		s.conn.Close()
	})
}

// install makes s the peer's session: it gets its generation, and the
// watches asked for while the peer was down are sent first. A peer that
// comes back as a new run (another incarnation) does not get the messages
// queued for its previous run: the writer drops those below staleBelow.
func (p *peer) install(s *session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gen++
	s.gen = p.gen
	p.dialing = false // a dialled session is the peer's now (dialOnce)
	if p.lastRun != (wire.Incarnation{}) && p.lastRun != s.remote.Incarnation {
		s.staleBelow = p.lastMark
	}
	p.sess = s
	p.up.Store(true)
	p.downTold = false // NodeUp follows
	for w := range p.watches {
		p.pushLocked(&ctlFrame{kind: wire.FrameWatch, gen: s.gen, target: w.target, other: w.watcher})
	}
}

// serve runs session s until it ends, and accounts for its end. It
// returns the session that replaced it, if an accepted one did.
func (p *peer) serve(s *session) (next *session) {
	ctx, cancel := context.WithCancelCause(context.Background())
	s.cancel = cancel
	p.install(s)
	p.stats.connects.Add(1)
	go s.recv(ctx)
	go s.send(ctx)
	p.n.log.Info("remote: peer up", "peer", p.addr, "outbound", s.outbound)
	p.n.link.NodeUp(p.addr)

	cfg := &p.n.cfg
	tick := time.NewTicker(cfg.HeartbeatInterval)
	defer tick.Stop()
	mon := monitor{heard: time.Now(), wrote: time.Now()}
	quit, force, adopt := p.n.life.Quit(), p.n.life.Forced(), p.adopt
loop:
	for {
		select {
		case <-s.failed:
			break loop
		case now := <-tick.C:
			if err := mon.check(s, now, cfg.HeartbeatTimeout); err != nil {
				s.fail(err)
			}
		case next = <-adopt:
			adopt = nil // one replacement; the next waits for its turn
			s.fail(errReplaced)
		case <-quit:
			quit = nil
			s.draining.Store(true)
			p.queue.Wake()
		case <-force:
			force = nil
			s.fail(ErrNodeStopped)
		}
	}
	<-s.readerDone
	s.stopAcks()
	<-s.writerDone
	// Written and never acknowledged: perhaps arrived, never written again.
	p.stats.uncertain.Add(s.wrote.Load() - s.acked)
	cause := s.err
	if p.n.life.Stopping() && !errors.Is(cause, ErrNodeStopped) {
		// The stop ended the session (the peer closed its side after our
		// goodbye): our watchers learn that this node stopped.
		cause = fmt.Errorf("%w: %w", ErrNodeStopped, cause)
	}
	p.n.logDown(p.addr, cause)
	p.lost(s, cause)
	close(s.done)
	return next
}

// errReplaced ends a session that a newer one, accepted from the same
// peer, replaces.
var errReplaced = errors.New("remote: replaced by a newer connection")

// errDrained is what the writer returns once it has written Close while
// the node stops: the session ends when the peer closes its side.
var errDrained = errors.New("remote: drained")

// monitor keeps the times the peer goroutine needs to send heartbeats and
// to notice a silent peer or a stuck write, reading the session's counters
// once per tick: nothing on the per-message path reads the clock.
type monitor struct {
	frames, flushes uint64
	heard, wrote    time.Time
	beat            bool // a heartbeat was asked for at the last tick
}

func (m *monitor) check(s *session, now time.Time, timeout time.Duration) error {
	if f := s.p.stats.framesRecv.Load(); f != m.frames || s.busy.Load() {
		m.frames, m.heard = f, now // a reader waiting on a local mailbox is not a silent peer
	} else if now.Sub(m.heard) >= timeout {
		return fmt.Errorf("%w: nothing received for %v", ErrHeartbeatTimeout, now.Sub(m.heard).Round(time.Millisecond))
	}
	f, beat := s.flushes.Load(), m.beat
	m.beat = false
	switch {
	case s.writes.Load() != f:
		if f != m.flushes {
			m.flushes, m.wrote = f, now
		} else if now.Sub(m.wrote) >= timeout {
			return fmt.Errorf("%w: a write stuck for %v: the peer is not reading", ErrHeartbeatTimeout, now.Sub(m.wrote).Round(time.Millisecond))
		}
	case f == m.flushes, beat && f == m.flushes+1:
		// Nothing written since the last tick but our own heartbeat.
		m.flushes, m.wrote, m.beat = f, now, true
		s.beat.Store(true)
		s.p.queue.Wake()
	default:
		m.flushes, m.wrote = f, now
	}
	return nil
}

// logDown logs the end of a session at the level its cause deserves.
func (n *Node) logDown(addr string, err error) {
	switch {
	case errors.Is(err, errReplaced), errors.Is(err, ErrNodeStopped), errors.Is(err, ErrPeerClosed), errors.Is(err, io.EOF):
		n.log.Info("remote: peer down", "peer", addr, "reason", err)
	default:
		n.log.Warn("remote: peer down", "peer", addr, "reason", err)
	}
}
