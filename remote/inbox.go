package remote

import (
	"context"
	"errors"

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

// inbox is the reader's messages not yet delivered, in a batch per target.
type inbox struct {
	bytes int // the payload bytes of the messages held
	n     int // slots in use, in the order of their first message
	slot  [inboxTargets]struct {
		to string // the target's id
		b  actor.Batch
	}
}

// hold adds a decoded message to its target's batch, delivering first if
// the batch is full, or if every slot holds another target.
func (s *session) hold(ctx context.Context, target string, sender actor.PID, v any, reply actor.Reply, size int) {
	in := &s.inbox
	if in.n > 0 && in.bytes+size > s.p.n.cfg.MaxFrameSize {
		s.deliverAll(ctx)
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
	b := &in.slot[i].b
	if b.Len() == maxBatch {
		s.deliver(ctx, target, b)
	}
	b.Add(sender, v, reply)
	in.bytes += size
}

// deliverAll delivers every batch the reader holds.
func (s *session) deliverAll(ctx context.Context) {
	in := &s.inbox
	for i := range in.n {
		s.deliver(ctx, in.slot[i].to, &in.slot[i].b)
		in.slot[i].to = ""
	}
	in.n, in.bytes = 0, 0
}

// deliver hands a batch to its target: the messages that fit in its
// mailbox in one step, then the others one at a time, waiting as
// onMessage explains.
func (s *session) deliver(ctx context.Context, to string, b *actor.Batch) {
	if b.Len() == 0 {
		return
	}
	link := s.p.n.link
	target := actor.PID{ID: to}
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
