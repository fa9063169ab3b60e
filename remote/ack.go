package remote

import (
	"fmt"
	"time"

	"github.com/troupe-go/troupe/remote/wire"
)

// Delivery acknowledgements (docs/wire-protocol.md, Ack). The reader
// counts the Message frames it reads and, when it has no further frame
// buffered, publishes the count in session.read. The writer appends an Ack
// of it to whatever it writes next: a request's Ack rides on its reply,
// and a stream's on the traffic the other way. When nothing else is to be
// written, a timer wakes the writer ackDelay after the first unacknowledged
// count, so that an Ack costs at most one write per ackDelay, never one per
// message or per burst. Acks from the peer move the messages this side
// wrote from in flight to delivered; what no Ack covers when the session
// ends is uncertain (serve).

// ackDelay is how long a count may wait for other frames to carry its Ack
// before the writer is woken to write it alone.
const ackDelay = 2 * time.Millisecond

// ack appends an Ack if the reader has read Message frames since the last
// one. Once the peer has said Close, the reader's count is final, and the
// reader waits until the writer has written it (see closeAck): it is
// written at once, ahead of whatever else waits.
func (w *writer) ack() error {
	s := w.s
	closed := s.peerClosed.Load() // before read: set after the final count
	if n := s.read.Load(); n > w.acked {
		w.enc.AppendAck(&wire.Ack{Count: n})
		w.acked = n
	}
	if !closed || w.final {
		return nil
	}
	if err := w.flush(); err != nil {
		return err
	}
	w.final = true
	close(s.finalAck)
	return nil
}

// publishRead hands the reader's count of Message frames read to the
// writer, to acknowledge with its next write, or within ackDelay.
func (s *session) publishRead(n uint64) {
	s.read.Store(n)
	if s.ackArmed.Swap(true) {
		return // a wake is already due
	}
	if s.ackTimer == nil {
		s.ackTimer = time.AfterFunc(ackDelay, s.ackDue)
		return
	}
	s.ackTimer.Reset(ackDelay)
}

// ackDue wakes the writer to acknowledge what the reader has read. It
// disarms before the wake: a count published after the writer looks is
// armed again.
func (s *session) ackDue() {
	s.ackArmed.Store(false)
	s.p.queue.Wake()
}

// stopAcks stops the Ack timer once the reader is done.
func (s *session) stopAcks() {
	if s.ackTimer != nil {
		s.ackTimer.Stop()
	}
}

// closeAck answers the peer's Close: the writer acknowledges the n Message
// frames read before it, and the reader waits for that Ack to be written
// before the session ends, so that a graceful stop leaves nothing
// uncertain. The wait ends with the writer, or the session, whichever
// comes first; the heartbeat monitor fails a session whose write is stuck.
func (s *session) closeAck(n uint64) {
	s.read.Store(n)
	s.peerClosed.Store(true)
	s.p.queue.Wake()
	select {
	case <-s.finalAck:
	case <-s.writerDone:
	case <-s.failed:
	}
}

// onAck records the peer's Ack: the first a.Count Message frames written in
// this session were delivered. A count that goes down, or covers frames
// never handed to a write, breaks the protocol and ends the session.
func (s *session) onAck(a *wire.Ack) error {
	wrote := s.wrote.Load()
	if a.Count < s.acked || a.Count > wrote {
		return fmt.Errorf("%w: ack of %d messages from %s, after an ack of %d, with %d written",
			ErrProtocol, a.Count, s.p.addr, s.acked, wrote)
	}
	s.p.stats.delivered.Add(a.Count - s.acked)
	s.acked = a.Count
	return nil
}
