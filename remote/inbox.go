package remote

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/mailbox"
)

// The reader delivers what it reads in batches, one per target actor: a
// burst of messages to one actor goes into its mailbox in one step
// (actor.Link.TryDeliverBatch), which takes its lock and wakes it once.
// Order is kept where it is promised, between one sender and one
// receiver; the messages of two actors may be delivered in another order
// than they were read, as they may be handled in any order anyway. Every
// frame that is not a Message (a Stop, a Watch, a Close) delivers all the
// batches first, so that it comes after the messages read before it; so
// does the end of a burst, before the reader waits for the network.

// inboxTargets is how many actors the reader batches for at once: two
// senders' messages to two actors interleave on the connection, and each
// actor still gets them in batches.
const inboxTargets = 4

// maxBatch is the most messages the reader holds for one actor before it
// delivers them.
const maxBatch = 64

// The reader holds at most one frame's worth of payload bytes
// (Config.MaxFrameSize) before it delivers: without that bound, 4 targets
// of 64 messages of 4 MiB each would be a gigabyte in its hands.
//
// What it has delivered is bounded too (Config.InboundBytes): the payload
// bytes of a peer's messages in local mailboxes, not yet taken by their
// actors, since a mailbox of 1024 slots could otherwise hold 1024 frames
// of 4 MiB. The reader learns that an actor has taken them from a receipt
// (actor.Batch.AddReceipt) it delivers after them; over the bound it stops
// reading, so that TCP holds the peer back, and waits for receipts as it
// waits for room in a full mailbox: a message that still does not fit after
// half the heartbeat timeout is a dead letter (ErrInboundFull). Messages
// under countedPayload bytes are not counted, so that the usual small ones
// cost no receipt: a mailbox of n slots holds at most n × countedPayload
// bytes of those.
const countedPayload = 4 << 10

// inbox is the reader's messages not yet delivered, in a batch per target.
type inbox struct {
	bytes   int // the payload bytes of the messages held
	counted int // those of them counted against Config.InboundBytes
	n       int // slots in use, in the order of their first message
	slot    [inboxTargets]inboxSlot
}

// inboxSlot is the batch of one target.
type inboxSlot struct {
	to      string // the target's id
	b       actor.Batch
	counted int // the payload bytes of its messages counted against Config.InboundBytes
}

// hold adds a decoded message to its target's batch, delivering first if
// the batch is full, or if every slot holds another target; a large
// message first waits for room in the peer's inbound bytes.
func (s *session) hold(ctx context.Context, target string, sender actor.PID, v any, reply actor.Reply, size int) {
	in := &s.inbox
	if in.n > 0 && in.bytes+size > s.p.n.cfg.MaxFrameSize {
		s.deliverAll(ctx)
	}
	counted := size >= countedPayload
	if counted {
		if err := s.roomFor(ctx, size); err != nil {
			s.p.n.link.DeadLetter(actor.PID{ID: target}, sender, v, reply, err)
			return
		}
	}
	i := 0
	for i < in.n && in.slot[i].to != target {
		i++
	}
	if i == in.n {
		if in.n == inboxTargets {
			s.deliverAll(ctx)
			i = 0
		}
		in.slot[i].to = target
		in.n++
	}
	sl := &in.slot[i]
	if sl.b.Len() == maxBatch {
		in.counted -= sl.counted
		s.deliver(ctx, sl)
	}
	sl.b.Add(sender, v, reply)
	in.bytes += size
	if counted {
		sl.counted += size
		in.counted += size
	}
}

// roomFor waits until size more bytes fit in the peer's inbound bound,
// counting those the reader holds, within the wait onMessage explains.
// Before it waits it delivers what it holds, with their receipts.
func (s *session) roomFor(ctx context.Context, size int) error {
	p := s.p
	limit := int64(p.n.cfg.InboundBytes)
	fits := func() bool {
		used := p.inbound.Load() + int64(s.inbox.counted)
		return used == 0 || used+int64(size) <= limit
	}
	if fits() {
		return nil
	}
	s.deliverAll(ctx)
	if fits() {
		return nil
	}
	p.stats.inboundFull.Add(1)
	if p.n.rare.inboundBytes.allow() {
		p.n.log.Warn("remote: inbound bytes not yet taken by their actors", "peer", p.addr,
			"bytes", p.inbound.Load(), "max", limit)
	}
	s.busy.Store(true)
	defer s.busy.Store(false)
	wait := time.NewTimer(p.n.cfg.HeartbeatTimeout / 2)
	defer wait.Stop()
	for !fits() {
		select {
		case <-p.taken:
		case <-wait.C:
			return fmt.Errorf("%w: %d bytes from %s not yet taken by their actors after %v, at most %d",
				ErrInboundFull, p.inbound.Load(), p.addr, p.n.cfg.HeartbeatTimeout/2, limit)
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	return nil
}

// received gives back the bytes of a delivery whose receipt came back.
func (p *peer) received(n int) {
	p.inbound.Add(-int64(n))
	select {
	case p.taken <- struct{}{}:
	default:
	}
}

// deliverAll delivers every batch the reader holds.
func (s *session) deliverAll(ctx context.Context) {
	in := &s.inbox
	for i := range in.n {
		s.deliver(ctx, &in.slot[i])
		in.slot[i].to = ""
	}
	in.n, in.bytes, in.counted = 0, 0, 0
}

// deliver hands a batch to its target: the messages that fit in its
// mailbox in one step, then the others one at a time, waiting as
// onMessage explains; then the receipt of its counted bytes, if any.
func (s *session) deliver(ctx context.Context, sl *inboxSlot) {
	b := &sl.b
	if b.Len() == 0 {
		return
	}
	p := s.p
	if n := sl.counted; n > 0 {
		p.inbound.Add(int64(n))
		b.AddReceipt(func() { p.received(n) })
		sl.counted = 0
	}
	link := p.n.link
	target := actor.PID{ID: sl.to}
	for i := link.TryDeliverBatch(target, b); i < b.Len(); i++ {
		sender, v, reply := b.At(i)
		err := link.TryDeliver(target, sender, v, reply)
		if errors.Is(err, mailbox.ErrFull) {
			err = s.deliverSlowly(ctx, target, sender, v, reply)
		}
		if err != nil && !errors.Is(err, actor.ErrNotFound) { // the System has made that dead letter
			link.DeadLetter(target, sender, v, reply, err)
		}
	}
	b.Reset()
}
