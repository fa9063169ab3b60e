package actor

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Event is something the system publishes to its subscribers: a DeadLetter,
// an ActorFailed, an ActorRestarted, an ActorStopped, a NodeUp or a NodeDown.
type Event interface {
	event()
}

// DeadLetter is a message that did not reach its target's Receive: the
// target did not exist (Reason ErrNotFound), its mailbox's drop policy pushed
// the message out (mailbox.ErrDropped), or it stopped with the message still
// queued (ErrStopped). A response that has no one to go to is one too, with
// a zero Target: Reason ErrNoSender or ErrAnswered.
type DeadLetter struct {
	Target  PID
	Sender  PID
	Message any
	Reason  error
}

func (DeadLetter) event() {}

// String describes the dead letter in one line.
func (d DeadLetter) String() string {
	return fmt.Sprintf("dead letter %T to %s from %s: %v", d.Message, pidOrNone(d.Target), pidOrNone(d.Sender), d.Reason)
}

// NodeUp is published when a connection to another node is up: its actors
// can be reached. A Transport reports it through Link.NodeUp.
type NodeUp struct {
	Address string
}

func (NodeUp) event() {}

// NodeDown is published when the connection to another node is lost, or
// cannot be made (once until it is up again): requests to it have failed
// and the watchers of its actors have been told. Reason says why. A
// Transport reports it through Link.NodeDown.
type NodeDown struct {
	Address string
	Reason  error
}

func (NodeDown) event() {}

// ActorFailed is published when an actor's Receive panics.
type ActorFailed struct {
	PID  PID
	Kind string
	Err  *PanicError
}

func (ActorFailed) event() {}

// ActorStopped is published when an actor has stopped for good, before its
// parent and watchers are told, with the reason its watchers are given: nil for a normal stop, a *PanicError when
// a failure stopped it. Parent is zero for a top-level actor, whose
// failures have nobody above to go to: a top-level actor stopped by a
// *PanicError is a failure that supervision did not absorb.
type ActorStopped struct {
	PID    PID
	Parent PID
	Kind   string
	Reason error
}

func (ActorStopped) event() {}

// Extension, embedded in an event type of a package built on the System,
// makes it an Event that Publish accepts: the cluster's membership changes
// reach the same subscribers as the System's own events.
type Extension struct{}

func (Extension) event() {}

// Publish hands ev to every subscriber, as the System does with its own
// events. Packages built on the System (cluster) publish their events,
// types that embed Extension, with it. A nil ev is ignored.
func (s *System) Publish(ev Event) {
	if ev != nil {
		s.publish(ev)
	}
}

// events holds the subscribers. Publishing reads one atomic pointer, so it
// costs nothing when there are none.
type events struct {
	mu   sync.Mutex
	subs atomic.Pointer[[]*subscriber]
}

type subscriber struct{ f func(Event) }

// Subscribe calls f with every event the system publishes from now on, until
// the returned function is called. f runs on the goroutine where the event
// happened: it must be quick and must not block. A panic in f is recovered
// and logged.
func (s *System) Subscribe(f func(Event)) (unsubscribe func()) {
	if f == nil {
		return func() {}
	}
	sub := &subscriber{f: f}
	e := &s.events
	e.mu.Lock()
	old := e.subs.Load()
	var next []*subscriber
	if old != nil {
		next = append(next, *old...)
	}
	next = append(next, sub)
	e.subs.Store(&next)
	e.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			e.mu.Lock()
			defer e.mu.Unlock()
			cur := *e.subs.Load()
			next := make([]*subscriber, 0, len(cur))
			for _, x := range cur {
				if x != sub {
					next = append(next, x)
				}
			}
			e.subs.Store(&next)
		})
	}
}

func (s *System) publish(ev Event) {
	subs := s.events.subs.Load()
	if subs == nil {
		return
	}
	for _, sub := range *subs {
		s.callSubscriber(sub, ev)
	}
}

func (s *System) callSubscriber(sub *subscriber, ev Event) {
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("actor: event subscriber panicked", "panic", r)
		}
	}()
	sub.f(ev)
}

// deadLetter counts, publishes and logs a message that did not arrive. A
// waiting request is answered with ErrNoReply. Logging is limited to one line
// a second so that a flood of dead letters cannot flood the log.
func (s *System) deadLetter(target PID, env envelope, reason error) {
	var live bool
	if env.msg, live = untick(env.msg); !live {
		return // a stopped timer's tick: withdrawn, not lost
	}
	d := DeadLetter{Target: target, Sender: pidOf(env.sender), Message: env.msg, Reason: reason}
	if env.reply != nil {
		env.reply.complete(nil, errNoReply(reason))
	}
	n := s.deadLetters.Add(1)
	s.observeDeadLetter(d)
	s.publishDeadLetter(d)
	now := time.Now().UnixNano()
	last := s.lastDeadLog.Load()
	if now-last >= int64(time.Second) && s.lastDeadLog.CompareAndSwap(last, now) {
		s.logger.Warn("actor: dead letter", "target", pidOrNone(target), "sender", pidOrNone(pidOf(env.sender)),
			"message", fmt.Sprintf("%T", env.msg), "reason", reason, "total", n)
	}
}

// maxPublishDepth bounds how many dead-letter publications may be under way
// at once. A subscriber that sends, and whose send fails, makes a dead
// letter inside the publication of another; past this depth such a dead
// letter is counted and logged but not published, so the nesting ends.
const maxPublishDepth = 256

// publishDeadLetter publishes d unless that would recurse. A dead letter
// whose message is itself a DeadLetter (a subscriber forwarded one, and the
// forward failed) is never published again: publishing it would call the
// same subscriber, which would forward it again, without end.
func (s *System) publishDeadLetter(d DeadLetter) {
	if s.events.subs.Load() == nil {
		return
	}
	switch d.Message.(type) {
	case DeadLetter, *DeadLetter:
		return
	}
	defer s.publishing.Add(-1)
	if s.publishing.Add(1) > maxPublishDepth {
		return
	}
	s.publish(d)
}

// DeadLetters returns how many dead letters the system has seen.
func (s *System) DeadLetters() uint64 { return s.deadLetters.Load() }

func pidOrNone(p PID) string {
	if p.IsZero() {
		return "(none)"
	}
	return p.String()
}
