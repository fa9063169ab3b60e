package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/remote/wire"
)

// Undecoded stands for a message that arrived from another node but could
// not be decoded: it is the Message of the dead letter the node makes of
// it, whose Reason says why (ErrUnknownType, or an error wrapping
// wire.ErrPayload), and of a reply that came too late (ErrLateReply).
type Undecoded struct {
	// Type is the type name the frame carried.
	Type string
	// Size is the payload's size in bytes.
	Size int
}

// recv runs the reader; whatever ends it ends the session.
func (s *session) recv(ctx context.Context) {
	defer close(s.readerDone)
	err := s.recvLoop(ctx)
	if errors.Is(err, io.EOF) {
		err = fmt.Errorf("%w: %w", ErrPeerClosed, err)
	}
	s.fail(err)
}

// recvLoop reads frames and dispatches them until the connection fails or
// the peer breaks the protocol. wire.Reader refuses a frame over
// MaxFrameSize before allocating for it and runs wire.Check over every
// frame before anything decodes it; payloads are decoded only into their
// registered types. Messages are delivered in batches (inbox.go), and the
// Message frames read are acknowledged (ack.go), whenever no further frame
// is buffered.
func (s *session) recvLoop(ctx context.Context) error {
	p := s.p
	r := wire.NewReader(countingReader{s.conn, &p.stats.bytesRecv}, p.n.cfg.MaxFrameSize)
	var read, told uint64 // Message frames read, and published for the writer to acknowledge
	h := wire.Handlers{
		Message: func(m *wire.Message) error {
			read++
			return s.onMessage(ctx, &r.Decoder, m)
		},
		Reply:      func(m *wire.Reply) error { return s.onReply(&r.Decoder, m) },
		Watch:      func(w *wire.Watch) error { p.remoteWatch(s.gen, w.Target, w.Watcher); return nil },
		Unwatch:    func(w *wire.Watch) error { p.remoteUnwatch(w.Target, w.Watcher); return nil },
		Terminated: s.onTerminated,
		Stop: func(m *wire.Stop) error {
			if p.exposed(m.Target, AccessStop) {
				p.n.link.Stop(actor.PID{ID: m.Target}, m.Mode == wire.ModePoison)
			}
			return nil
		},
		Spawn:     func(m *wire.Spawn) error { p.serveSpawn(s.gen, m); return nil },
		Spawned:   func(m *wire.Spawned) error { p.onSpawned(m); return nil },
		Heartbeat: func() error { return nil },
		Close: func(c *wire.Close) error {
			s.closeAck(read)
			return fmt.Errorf("%w: %q", ErrPeerClosed, c.Reason)
		},
		Ack: s.onAck,
	}
	defer s.deliverAll(ctx) // what was read before the end
	for {
		f, err := r.ReadFrame()
		if err != nil {
			return err
		}
		p.stats.framesRecv.Add(1) // the monitor's sign of life too
		if f.Type != wire.FrameMessage {
			s.deliverAll(ctx) // a Stop, say, comes after the messages before it
		}
		if err := r.Dispatch(f, &h); err != nil {
			return err
		}
		if !r.Buffered() { // the burst is over: before waiting for the next
			s.deliverAll(ctx)
			if read != told {
				told = read
				s.publishRead(read)
			}
		}
	}
}

// onMessage decodes a message and delivers it to its local target. A type
// this node has not registered, or a payload that does not decode into
// it, is a dead letter (and fails the request), not a broken connection.
//
// Delivery waits for room in a full Block mailbox: backpressure flows back
// to the sender through TCP and the peer's bounded queue. The price is
// head-of-line blocking: while the reader waits for one actor, the other
// actors this peer sends to wait too. So the wait is bounded, by half the
// heartbeat timeout (and the session): a mailbox still full then makes a
// dead letter (mailbox.ErrFull) and the reader goes on, so that a stuck
// actor never stalls the connection long enough for the peer to think
// this node dead.
func (s *session) onMessage(ctx context.Context, d *wire.Decoder, m *wire.Message) error {
	p := s.p
	link := p.n.link
	p.stats.received.Add(1)
	target := actor.PID{ID: m.Target}
	var sender actor.PID
	if m.Sender != "" {
		sender = actor.PID{Address: p.addr, ID: m.Sender}
	}
	var reply actor.Reply
	if m.RequestID != 0 {
		gen, id := s.gen, m.RequestID
		reply = actor.NewReply(func(v any, err error) { p.answer(gen, id, v, err) })
	}
	if p.n.cfg.Expose != nil && !p.exposed(m.Target, AccessSend) {
		link.DeadLetter(target, sender, Undecoded{Type: m.Type, Size: len(m.Payload)}, reply,
			fmt.Errorf("%w: %q, from %s", ErrNotExposed, m.Target, p.addr))
		return nil
	}
	info := s.last
	if info == nil || info.name != m.Type {
		if info = p.n.cfg.Types.named(m.Type); info != nil {
			s.last = info // a connection tends to carry one type after another
		}
	}
	if info == nil {
		p.stats.unknown.Add(1)
		link.DeadLetter(target, sender, Undecoded{Type: m.Type, Size: len(m.Payload)}, reply,
			fmt.Errorf("%w: %q from %s", ErrUnknownType, m.Type, p.addr))
		return nil
	}
	v, err := info.decode(d, m.Payload, p.rw)
	if err != nil {
		p.stats.unknown.Add(1)
		link.DeadLetter(target, sender, Undecoded{Type: m.Type, Size: len(m.Payload)}, reply, err)
		return nil
	}
	s.hold(ctx, m.Target, sender, v, reply, len(m.Payload))
	return nil
}

// deliverSlowly waits for room in target's mailbox, within the bound that
// onMessage explains.
func (s *session) deliverSlowly(ctx context.Context, target, sender actor.PID, v any, reply actor.Reply) error {
	s.busy.Store(true)
	defer s.busy.Store(false)
	wait, cancel := context.WithTimeout(ctx, s.p.n.cfg.HeartbeatTimeout/2)
	defer cancel()
	err := s.p.n.link.Deliver(wait, target, sender, v, reply)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return context.Cause(ctx)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: no room for %v", mailbox.ErrFull, s.p.n.cfg.HeartbeatTimeout/2)
	}
	return err
}

// onReply completes the request a Reply answers.
func (s *session) onReply(d *wire.Decoder, m *wire.Reply) error {
	p := s.p
	req := p.takeRequest(m.RequestID, false)
	if req == nil {
		p.stats.late.Add(1)
		p.n.link.DeadLetter(actor.PID{}, actor.PID{}, Undecoded{Type: m.Type, Size: len(m.Payload)}, actor.Reply{},
			fmt.Errorf("%w: request %d from %s", ErrLateReply, m.RequestID, p.addr))
		return nil
	}
	switch {
	case m.Code != wire.CodeOK:
		req.reply.Complete(nil, replyError(p.addr, m.Code, m.Error))
	case m.Type == "":
		req.reply.Complete(nil, nil)
	default:
		info := p.n.cfg.Types.named(m.Type)
		if info == nil {
			p.stats.unknown.Add(1)
			req.reply.Complete(nil, fmt.Errorf("%w: %w: reply of type %q from %s", actor.ErrNoReply, ErrUnknownType, m.Type, p.addr))
			return nil
		}
		v, err := info.decode(d, m.Payload, p.rw)
		if err != nil {
			req.reply.Complete(nil, fmt.Errorf("%w: %w", actor.ErrNoReply, err))
			return nil
		}
		req.reply.Complete(v, nil)
	}
	return nil
}

// onTerminated tells a local watcher that the peer's actor it watched has
// stopped, unless it unwatched it since.
func (s *session) onTerminated(t *wire.Terminated) error {
	p := s.p
	k := watchKey{target: t.Actor, watcher: t.Watcher}
	p.mu.Lock()
	_, ok := p.watches[k]
	delete(p.watches, k)
	p.mu.Unlock()
	if ok {
		p.n.link.Terminated(actor.PID{ID: t.Watcher}, actor.PID{Address: p.addr, ID: t.Actor},
			terminatedReason(p.addr, t.Code, t.Reason))
	}
	return nil
}

// countingReader counts the bytes read from a connection, once per read
// call (one per bufio refill), not per frame.
type countingReader struct {
	r io.Reader
	n *atomic.Uint64
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(uint64(n))
	return n, err
}
