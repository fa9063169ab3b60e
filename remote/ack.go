package remote

import (
	"fmt"

	"github.com/troupe-go/troupe/remote/wire"
)

// Delivery acknowledgements (docs/wire-protocol.md, Ack). The reader
// counts the Message frames it reads and, when it has no further frame
// buffered, publishes the count in session.read and wakes the writer,
// which appends one Ack: one per burst, not per message. Acks from the
// peer move the messages this side wrote from in flight to delivered;
// what no Ack covers when the session ends is uncertain (serve).

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
// writer, to acknowledge.
func (s *session) publishRead(n uint64) {
	s.read.Store(n)
	s.p.queue.Wake()
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
