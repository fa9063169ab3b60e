package chat

import (
	"context"
	"sync/atomic"

	"github.com/troupe-go/troupe/mailbox"
)

// The kinds of Event.
const (
	EventMessage = "message" // Message holds a message of Room
	EventMissed  = "missed"  // Missed messages or notices did not reach this client
	EventGone    = "gone"    // Room went away: its node stopped, or it failed for good
)

// Event is what a client reads from its user: a message, the number of
// messages it missed, or the news that a room went away.
type Event struct {
	Type    string   `json:"type"`
	Room    string   `json:"room,omitempty"`
	Message *Message `json:"message,omitempty"`
	Missed  int      `json:"missed,omitempty"`
}

// count is how many messages or notices the event stands for, when dropped.
func (e Event) count() int64 {
	if e.Type == EventMissed {
		return int64(e.Missed)
	}
	return 1
}

// Inbox is the client's end of a user actor: a bounded queue of the events
// that the user has received and its client has not read yet.
//
// The user actor puts and never waits: when the queue is full the oldest
// event is dropped and counted, and the client is told how many it missed
// before the next events it reads. So a client that never reads costs at
// most the queue's capacity, and slows nobody down. The gateway makes the
// inbox when it spawns the user and captures it in the producer, so it
// survives a restart of the user actor.
type Inbox struct {
	q      *mailbox.Queue[Event]
	missed atomic.Int64
	closed atomic.Bool
	ready  chan struct{} // a token: there may be events to take
	done   chan struct{} // closed with the inbox
}

// NewInbox returns an empty inbox that holds at most n events (at least 1).
func NewInbox(n int) *Inbox {
	in := &Inbox{ready: make(chan struct{}, 1), done: make(chan struct{})}
	in.q = mailbox.New[Event](max(n, 1), mailbox.WithOverflow(mailbox.DropOldest)).
		OnDrop(func(e Event) { in.missed.Add(e.count()) })
	return in
}

// put queues e, dropping the oldest event if the inbox is full.
func (in *Inbox) put(e Event) {
	if in.q.TryPut(e) == nil {
		in.wake()
	}
}

// wake leaves a token for a waiting reader, unless one is there already.
func (in *Inbox) wake() {
	select {
	case in.ready <- struct{}{}:
	default:
	}
}

// close ends the inbox: readers get what is queued, then mailbox.ErrClosed.
func (in *Inbox) close() {
	if in.closed.CompareAndSwap(false, true) {
		in.q.Close()
		close(in.done)
	}
}

// Closed reports whether the user actor has stopped.
func (in *Inbox) Closed() bool { return in.closed.Load() }

// Len returns the number of events waiting.
func (in *Inbox) Len() int { return in.q.Len() }

// Cap returns the most events the inbox holds.
func (in *Inbox) Cap() int { return in.q.Cap() }

// Next waits until there is at least one event, or ctx is done, and returns
// up to limit events, oldest first (all there are if limit < 1). If events
// were dropped since the last call, the first is an EventMissed that counts
// them. Once the user has stopped and the inbox is drained, Next returns
// mailbox.ErrClosed.
//
// Next waits on a token of its own rather than in the queue's Get, which
// spins a little before it sleeps: cheap for one consumer, but a gateway
// has a reader waiting on every inbox at once.
func (in *Inbox) Next(ctx context.Context, limit int) ([]Event, error) {
	var evs []Event
	for {
		for limit < 1 || len(evs) < limit {
			e, ok := in.q.TryGet()
			if !ok {
				break
			}
			evs = append(evs, e)
		}
		if len(evs) > 0 {
			break
		}
		select {
		case <-in.ready:
		case <-in.done:
			if in.q.Len() == 0 {
				return nil, mailbox.ErrClosed
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if in.q.Len() > 0 {
		in.wake() // more than limit: pass the token on to another reader
	}
	if n := in.missed.Swap(0); n > 0 {
		evs = append([]Event{{Type: EventMissed, Missed: int(n)}}, evs...)
	}
	return evs, nil
}
