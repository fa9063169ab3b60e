package remote

import (
	"slices"
	"strings"
	"sync/atomic"
)

// PeerStats is a snapshot of one peer's counters, read when Stats is
// called: nothing is pushed per message. Counters only grow.
//
// The messages a node sends to a peer add up, in every snapshot:
//
//	Sent = Delivered + Uncertain + Dropped + Queued + InFlight
//
// A message is Delivered when the peer has it: its Ack frame (since
// protocol version 2) says it read the Message frame off the connection. Written
// and not yet acknowledged, it is InFlight; if the connection ends before
// an Ack covers it, it becomes Uncertain: it may or may not have arrived,
// and at-most-once delivery does not write it again. No count says a
// message was handled by its actor.
type PeerStats struct {
	// Addr is the peer's address.
	Addr string
	// Up reports whether a connection to it is serving.
	Up bool
	// Connects counts the connections made to it, dialled or accepted.
	Connects uint64

	// Sent counts the messages handed to the node for this peer and
	// accepted into its queue (requests included).
	Sent uint64
	// Delivered counts the messages the peer acknowledged having read.
	Delivered uint64
	// Uncertain counts the messages written on a connection that ended
	// before the peer acknowledged them: some may have arrived, and none
	// is written again.
	Uncertain uint64
	// Dropped counts the messages that will never be written: dead
	// letters (queue full under a drop policy, a type that failed to
	// encode, the peer unreachable, the node stopped), and requests whose
	// caller stopped waiting before they were written.
	Dropped uint64
	// Queued counts the messages not yet written: in the queue or in the
	// writer's hands.
	Queued uint64
	// QueuedBytes is what the messages Queued weigh against
	// Config.OutboundBytes: the frames they make, at most.
	QueuedBytes uint64
	// QueueBytesFull counts the sends that found Config.OutboundBytes
	// spent: refused, dropped, or made to wait, as Config.Overflow says.
	QueueBytesFull uint64

	// InboundBytes is the payload bytes of the messages read from the peer
	// that are in local mailboxes, or the reader's hands, not yet taken by
	// their actors, weighed against Config.InboundBytes (messages under 4
	// KiB are not counted).
	InboundBytes uint64
	// InboundBytesFull counts the times the reader stopped reading from the
	// peer because InboundBytes had reached Config.InboundBytes.
	InboundBytesFull uint64
	// InFlight counts the messages written on the current connection and
	// not yet acknowledged by the peer.
	InFlight uint64

	// Received counts the messages read from the peer.
	Received uint64
	// Undecodable counts those of a type not registered here, or whose
	// payload did not decode: dead letters.
	Undecodable uint64
	// LateReplies counts replies to requests no longer waiting (dead
	// letters), and answers to spawns no longer waiting (see
	// Node.SpawnRemote).
	LateReplies uint64
	// WatchesRefused counts the peer's watches of local actors refused
	// because it held Config.MaxWatches already.
	WatchesRefused uint64
	// AccessRefused counts the peer's messages, watches and stops that
	// Config.Expose refused.
	AccessRefused uint64

	// FramesSent, BytesSent, FramesReceived and BytesReceived count every
	// frame of every kind and every byte of the sessions, handshakes
	// excluded.
	FramesSent, BytesSent, FramesReceived, BytesReceived uint64
}

// counters are a peer's live counts, grouped by the goroutine that
// writes them so that the senders, the writer and the reader do not share
// cache lines.
type counters struct {
	sent atomic.Uint64 // senders
	_    [56]byte

	written, uncertain, dropped atomic.Uint64 // the writer, mostly; written: handed to a write
	framesSent, bytesSent       atomic.Uint64
	connects                    atomic.Uint64
	_                           [16]byte

	received, unknown, late atomic.Uint64 // the reader
	framesRecv, bytesRecv   atomic.Uint64
	watchesRefused          atomic.Uint64
	inboundFull             atomic.Uint64 // times the reader waited for Config.InboundBytes
	refused                 atomic.Uint64 // frames Config.Expose refused
	delivered               atomic.Uint64 // acknowledged by the peer
}

// Stats returns a snapshot of every peer's counters, sorted by address.
func (n *Node) Stats() []PeerStats {
	peers := *n.peers.Load()
	out := make([]PeerStats, 0, len(peers))
	for _, p := range peers {
		out = append(out, p.snapshot())
	}
	slices.SortFunc(out, func(a, b PeerStats) int { return strings.Compare(a.Addr, b.Addr) })
	return out
}

func (p *peer) snapshot() PeerStats {
	c := &p.stats
	s := PeerStats{
		Addr: p.addr, Up: p.up.Load(), Connects: c.connects.Load(),
		// A message moves from Sent to written or Dropped, and from
		// written to Delivered or Uncertain. Reading each stage before the
		// one it comes from keeps Queued and InFlight from going below zero.
		Delivered: c.delivered.Load(), Uncertain: c.uncertain.Load(),
		Received: c.received.Load(), Undecodable: c.unknown.Load(), LateReplies: c.late.Load(),
		WatchesRefused: c.watchesRefused.Load(), AccessRefused: c.refused.Load(),
		QueuedBytes: uint64(max(0, p.bytes.used.Load())), QueueBytesFull: p.bytes.full.Load(),
		InboundBytes: uint64(max(0, p.inbound.Load())), InboundBytesFull: c.inboundFull.Load(),
		FramesSent: c.framesSent.Load(), BytesSent: c.bytesSent.Load(),
		FramesReceived: c.framesRecv.Load(), BytesReceived: c.bytesRecv.Load(),
	}
	written := c.written.Load()
	s.Dropped = c.dropped.Load()
	s.Sent = c.sent.Load()
	if settled := s.Delivered + s.Uncertain; written > settled {
		s.InFlight = written - settled
	}
	if done := written + s.Dropped; s.Sent > done {
		s.Queued = s.Sent - done
	}
	return s
}
