package remote

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/remote/wire"
)

// The outbound path. Each peer has two lanes, drained by the writer of its
// session into one reused wire.Encoder, written to the connection whenever
// both run dry (or the buffer reaches flushSize): batches under load, one
// write per message when idle.
//
//   - The data lane is a bounded mailbox.Queue of messages (and poisons,
//     which must follow the messages sent before them). It outlives
//     sessions: what waits in it is written on the next connection.
//   - The control lane holds replies, watches, terminations, stops and
//     spawn answers. It is never waited on: those come from callbacks that
//     must not block. Most of its frames belong to one session (gen): a
//     reply or a Terminated means nothing on a later connection, since the
//     peer failed those requests and watches when the connection dropped.

// flushSize is the buffer size past which the writer writes before the
// lanes run dry, so that one write stays moderate.
const flushSize = 64 << 10

// outMsg is an item of the data lane.
type outMsg struct {
	target string    // actor id on the peer
	sender string    // a local actor id, or ""
	msg    any       // the payload
	info   *typeInfo // its registration; nil for a poison of target
	req    *request  // for a request: where the reply goes
	size   int       // the bytes it holds in the peer's budget (weigh)
}

// request is a request sent to a peer, waiting for its Reply frame.
type request struct {
	id    uint64
	reply actor.Reply
	gen   atomic.Uint64 // the session it was written on; 0 until written
	done  atomic.Bool   // complete: the writer skips it if not yet written
	spawn bool          // a Spawn, answered by Spawned, not by Reply
}

// ctlFrame is an item of the control lane.
type ctlFrame struct {
	kind   wire.FrameType
	gen    uint64    // the session it belongs to; 0 for any
	target string    // Watch/Unwatch/Stop: the target; Terminated, Spawned: the actor; Spawn: the kind
	other  string    // Watch/Unwatch: the watcher; Terminated: the watcher; Spawn: the name
	id     uint64    // Reply/Spawn/Spawned: the request id
	code   wire.Code // Reply, Terminated, Spawned; Stop: the mode
	text   string    // the error or reason
	msg    any       // Reply: the answer
	info   *typeInfo // its registration; nil for no value
	req    *request  // Spawn: the spawn waiting for its Spawned
	size   int       // Reply with a value: the bytes it holds (weighReply); else 0
}

// pushLocked queues a control frame and wakes the writer. p.mu is held.
// The frame is copied into its slot, not appended by value: append's
// temporary would add its size to the caller's stack frame (see push).
func (p *peer) pushLocked(f *ctlFrame) {
	p.control = append(p.control, ctlFrame{})
	p.control[len(p.control)-1] = *f
	p.ctlBytes += f.size
	p.ctlWaiting.Store(true)
	p.queue.Wake()
}

// push queues a control frame for session gen (0: any). A frame for a
// session that is over is dropped. It reports whether the frame was kept.
//
// The frame is passed by pointer, and the rare failure formatted
// elsewhere, to keep the stack frame small: an actor's goroutine answers a
// request through here, and a deep frame makes a fresh goroutine grow its
// stack on every answer.
func (p *peer) push(f *ctlFrame) bool {
	p.mu.Lock()
	kept := false
	switch {
	case f.gen != 0 && (p.sess == nil || p.sess.gen != f.gen):
	case len(p.control) >= p.n.cfg.OutboundQueue && p.sess != nil,
		f.size > 0 && p.ctlBytes > 0 && p.ctlBytes+f.size > p.n.cfg.OutboundBytes && p.sess != nil:
		p.controlOverflow()
	default:
		p.pushLocked(f)
		kept = true
	}
	p.mu.Unlock()
	return kept
}

// controlOverflow ends the session whose writer is far behind on frames
// that cannot wait (OutboundQueue of them, or OutboundBytes of replies): the connection is as good as lost, and losing it says
// so to both sides, exactly once. p.mu is held.
func (p *peer) controlOverflow() {
	p.sess.fail(fmt.Errorf("%w: %d control frames waiting, of %d bytes", ErrQueueFull, len(p.control), p.ctlBytes))
}

// send runs the writer and decides what its end means: any error but
// errDrained ends the session.
func (s *session) send(ctx context.Context) {
	defer close(s.writerDone)
	if err := s.sendLoop(ctx); !errors.Is(err, errDrained) {
		s.fail(err)
	}
}

// writer is the state of one session's writer goroutine.
type writer struct {
	s     *session
	enc   *wire.Encoder
	msgs  uint64 // Message frames in the buffer
	ctl   []ctlFrame
	acked uint64 // the count of the last Ack appended
	final bool   // the Ack answering the peer's Close is written: finalAck is closed
}

// sendLoop writes until the session ends; it returns why.
func (s *session) sendLoop(ctx context.Context) error {
	p := s.p
	w := &writer{s: s, enc: p.enc}
	w.enc.Reset()
	p.mu.Lock()
	carry := p.carry
	p.carry = nil
	p.mu.Unlock()
	stale := fmt.Errorf("%w: %s: sent to its previous run", ErrNodeDown, p.addr)
	// A message's bytes go back to the budget once it is written or
	// dropped; those handed to the next session stay reserved.
	done := 0
	for i := range carry {
		done += carry[i].size
		if s.staleBelow > 0 { // taken from the queue before the last session ended
			p.drop(carry[i], stale)
			continue
		}
		if err := w.message(&carry[i]); err != nil {
			p.release(done)
			w.keep(carry[i+1:])
			return err
		}
	}
	p.release(done)
	q := p.queue
	for {
		if err := w.control(); err != nil {
			return err
		}
		if err := w.ack(); err != nil {
			return err
		}
		batch, first := q.Drain()
		done = 0
		for i := range batch {
			q.Taken(i + 1)
			done += batch[i].size
			if first+uint64(i) < s.staleBelow {
				p.drop(batch[i], stale)
				continue
			}
			if err := w.message(&batch[i]); err != nil {
				p.release(done)
				w.keep(batch[i+1:])
				return err
			}
		}
		if len(batch) > 0 {
			p.release(done)
			continue // look again before writing: batch under load
		}
		if s.beat.Swap(false) && w.enc.Len() == 0 {
			w.enc.AppendHeartbeat()
		}
		if err := w.flush(); err != nil {
			return err
		}
		if s.draining.Load() && q.Waiting() == 0 && !p.ctlWaiting.Load() {
			return w.goodbye()
		}
		if err := q.Wait(ctx); err != nil {
			if errors.Is(err, mailbox.ErrClosed) {
				return ErrNodeStopped
			}
			return context.Cause(ctx)
		}
	}
}

// keep hands the messages a failed session did not write to the next.
func (w *writer) keep(rest []outMsg) {
	if len(rest) == 0 {
		return
	}
	p := w.s.p
	p.mu.Lock()
	p.carry = append(append([]outMsg(nil), rest...), p.carry...)
	p.mu.Unlock()
}

// message appends one item of the data lane. An item that cannot be
// encoded is its own failure: a dead letter. Only a failed write is
// returned.
func (w *writer) message(m *outMsg) error {
	p := w.s.p
	if m.info == nil {
		w.enc.AppendStop(&wire.Stop{Target: m.target, Mode: wire.ModePoison})
		return w.flushIfFull()
	}
	wm := wire.Message{Target: m.target, Sender: m.sender, Type: m.info.name}
	if m.req != nil {
		if m.req.done.Load() {
			p.stats.dropped.Add(1) // its caller stopped waiting
			return nil
		}
		wm.RequestID = m.req.id
	}
	var err error
	if e, ok := m.msg.(*encoded); ok {
		err = w.enc.AppendMessageEncoded(&wm, e.raw)
	} else {
		err = w.enc.AppendMessageWith(&wm, m.info.codec, m.msg)
	}
	if err != nil {
		p.drop(*m, err)
		return nil
	}
	if m.req != nil {
		m.req.gen.Store(w.s.gen)
	}
	w.msgs++
	return w.flushIfFull()
}

// control appends the frames of the control lane that belong to this
// session.
func (w *writer) control() error {
	p := w.s.p
	if !p.ctlWaiting.Load() {
		return nil
	}
	p.mu.Lock()
	w.ctl, p.control = p.control, w.ctl[:0]
	p.ctlBytes = 0
	p.ctlWaiting.Store(false)
	p.mu.Unlock()
	for i := range w.ctl {
		f := &w.ctl[i]
		if f.gen == 0 || f.gen == w.s.gen {
			w.appendCtl(f)
			if err := w.flushIfFull(); err != nil {
				w.abandonSpawns(w.ctl[i+1:])
				return err
			}
		}
		*f = ctlFrame{}
	}
	return nil
}

// appendCtl appends one control frame. The frames are built here from
// checked values, so only a reply's answer, or a Spawn's names, can fail to
// encode: the request, or the spawn, then fails with the encoder's reason.
func (w *writer) appendCtl(f *ctlFrame) {
	e := w.enc
	switch f.kind {
	case wire.FrameReply:
		r := wire.Reply{RequestID: f.id, Code: f.code, Error: f.text}
		var v any
		var codec *wire.PlainCodec
		if f.info != nil && f.code == wire.CodeOK {
			r.Type, v, codec = f.info.name, f.msg, f.info.codec
		}
		if err := e.AppendReplyWith(&r, codec, v); err != nil {
			r = wire.Reply{RequestID: f.id, Code: codeOf(err), Error: err.Error()}
			if r.Code == wire.CodeDecodeError {
				r.Code = wire.CodeEncodeError
			}
			e.AppendReply(&r, nil)
		}
	case wire.FrameWatch:
		e.AppendWatch(&wire.Watch{Target: f.target, Watcher: f.other})
	case wire.FrameUnwatch:
		e.AppendUnwatch(&wire.Watch{Target: f.target, Watcher: f.other})
	case wire.FrameTerminated:
		e.AppendTerminated(&wire.Terminated{Actor: f.target, Watcher: f.other, Code: f.code, Reason: f.text})
	case wire.FrameStop:
		e.AppendStop(&wire.Stop{Target: f.target, Mode: wire.StopMode(f.code)})
	case wire.FrameSpawn:
		w.appendSpawn(f)
	case wire.FrameSpawned:
		e.AppendSpawned(&wire.Spawned{RequestID: f.id, Actor: f.target, Code: f.code, Error: f.text})
	}
}

func (w *writer) flushIfFull() error {
	if w.enc.Len() < flushSize {
		return nil
	}
	return w.flush()
}

// flush writes the buffer. The messages in it count as written before the
// write begins, so that the peer's Ack can never cover more than that;
// they are in flight until an Ack covers them, and uncertain if the
// session ends first (serve counts those).
func (w *writer) flush() error {
	if w.enc.Len() == 0 {
		return nil
	}
	s, p := w.s, w.s.p
	frames, msgs := w.enc.Frames(), w.msgs
	w.msgs = 0
	s.wrote.Add(msgs)
	p.stats.written.Add(msgs)
	s.writes.Add(1)
	n, err := w.enc.WriteTo(s.conn)
	s.flushes.Add(1)
	p.stats.bytesSent.Add(uint64(n))
	if err != nil {
		w.enc.Reset()
		return fmt.Errorf("remote: writing to %s: %w", p.addr, err)
	}
	p.stats.framesSent.Add(uint64(frames))
	return nil
}

// goodbye writes Close, after an Ack of what was read, and closes the
// writing side, so that the peer reads everything before it, acknowledges
// it, then closes its own.
func (w *writer) goodbye() error {
	if err := w.ack(); err != nil {
		return err
	}
	w.enc.AppendClose(&wire.Close{Reason: "node stopping"})
	if err := w.flush(); err != nil {
		return err
	}
	if cw, ok := w.s.conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	return errDrained
}
