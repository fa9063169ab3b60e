package actor

import (
	"runtime/debug"
	"sync"
	"time"
)

// Observer receives the runtime's instrumentation events, for a metrics
// exporter to implement. It is set with WithObserver; when it is not, the
// runtime pays one nil check per batch of messages and per lifecycle event.
//
// Per-kind work is resolved once: Kind is called when the first actor of a
// kind is spawned, and the KindObserver it returns receives the events of
// every actor of that kind, so nothing looks a label up per message.
// Messages are reported once per handled batch, with one clock reading at
// each end of the batch, never per message. Gauges (actors alive, mailbox
// depth) are not pushed: read System.Snapshot at scrape time.
//
// Methods are called on the goroutine where the event happens, often an
// actor's own, so they must be fast and must not block. A panic in a method
// is recovered and logged at a limited rate: it never stops an actor or the
// process. Methods may be added; embed NopObserver to keep compiling.
type Observer interface {
	// Kind returns what observes the actors of kind (see WithKind): a
	// bounded label, never a PID. It is called once per kind per System.
	Kind(kind string) KindObserver
	// DeadLetter is called for every dead letter.
	DeadLetter(d DeadLetter)
}

// KindObserver receives the events of the actors of one kind.
type KindObserver interface {
	// ActorSpawned is called when an actor has been registered.
	ActorSpawned()
	// ActorStopped is called when an actor has stopped for good, with the
	// reason given to its watchers.
	ActorStopped(reason error)
	// ActorPanicked is called when Receive panicked.
	ActorPanicked(err *PanicError)
	// ActorRestarted is called when a failed actor has a new instance.
	ActorRestarted()
	// MessagesHandled is called after a batch: n user messages were handled
	// in d, Receive's time and the runtime's between them.
	MessagesHandled(n int, d time.Duration)
}

// NopObserver implements Observer and KindObserver and does nothing. Embed
// it in an observer that cares about only some events.
type NopObserver struct{}

// Kind returns NopObserver.
func (NopObserver) Kind(string) KindObserver { return NopObserver{} }

// DeadLetter does nothing.
func (NopObserver) DeadLetter(DeadLetter) {}

// ActorSpawned does nothing.
func (NopObserver) ActorSpawned() {}

// ActorStopped does nothing.
func (NopObserver) ActorStopped(error) {}

// ActorPanicked does nothing.
func (NopObserver) ActorPanicked(*PanicError) {}

// ActorRestarted does nothing.
func (NopObserver) ActorRestarted() {}

// MessagesHandled does nothing.
func (NopObserver) MessagesHandled(int, time.Duration) {}

// kind is the runtime's state for one kind of actor, resolved at spawn and
// shared by every actor of the kind: its label and its observer.
type kind struct {
	sys  *System
	name string
	obs  KindObserver // nil without an Observer
}

// kinds maps kind names to their state. It is read at spawn only.
type kinds struct {
	mu sync.Mutex
	m  map[string]*kind
}

// kindFor returns the state of kind name, made on the first spawn of it.
func (s *System) kindFor(name string) *kind {
	s.kinds.mu.Lock()
	defer s.kinds.mu.Unlock()
	k := s.kinds.m[name]
	if k == nil {
		k = &kind{sys: s, name: name}
		if s.observer != nil {
			k.obs = s.observeKind(name)
		}
		if s.kinds.m == nil {
			s.kinds.m = make(map[string]*kind)
		}
		s.kinds.m[name] = k
	}
	return k
}

// The runtime calls the Observer through these, so that an observer that
// panics is logged, at a limited rate, and never takes an actor or the
// process down. Each costs one nil check when no observer is set.

func (s *System) observeKind(name string) (o KindObserver) {
	defer s.recoverObserver()
	return s.observer.Kind(name)
}

func (k *kind) spawned() {
	if k.obs != nil {
		defer k.sys.recoverObserver()
		k.obs.ActorSpawned()
	}
}

func (k *kind) stopped(reason error) {
	if k.obs != nil {
		defer k.sys.recoverObserver()
		k.obs.ActorStopped(reason)
	}
}

func (k *kind) panicked(err *PanicError) {
	if k.obs != nil {
		defer k.sys.recoverObserver()
		k.obs.ActorPanicked(err)
	}
}

func (k *kind) restarted() {
	if k.obs != nil {
		defer k.sys.recoverObserver()
		k.obs.ActorRestarted()
	}
}

// handled reports a batch of n messages begun at start; the caller checked
// that k.obs is set.
func (k *kind) handled(n int, start time.Time) {
	defer k.sys.recoverObserver()
	k.obs.MessagesHandled(n, time.Since(start))
}

func (s *System) observeDeadLetter(d DeadLetter) {
	if s.observer != nil {
		defer s.recoverObserver()
		s.observer.DeadLetter(d)
	}
}

func (s *System) recoverObserver() {
	if r := recover(); r != nil {
		s.logLimited("observer", "", "actor: observer panicked", debug.Stack, func() []any { return []any{"panic", r} })
	}
}
