package actor

import (
	"runtime/debug"
	"time"
)

// Observer receives the runtime's instrumentation events, for a metrics
// exporter to implement. It is set with WithObserver; when it is not, the
// runtime pays one nil check per event. A panic in a method is recovered and
// logged at a limited rate: it never stops an actor or the process.
//
// Methods are called on the goroutine where the event happens, often an
// actor's own, so they must be fast and must not block. kind is the actor's
// kind (see WithKind): a bounded label, never a PID. New methods may be added
// to Observer; embed NopObserver to keep compiling when they are.
type Observer interface {
	// ActorSpawned is called when an actor has been registered.
	ActorSpawned(kind string)
	// ActorStopped is called when an actor has stopped for good, with the
	// reason given to its watchers.
	ActorStopped(kind string, reason error)
	// ActorPanicked is called when Receive panicked.
	ActorPanicked(kind string, err *PanicError)
	// ActorRestarted is called when a failed actor has a new instance.
	ActorRestarted(kind string)
	// MessageHandled is called after Receive returns for a user message,
	// with how long it took.
	MessageHandled(kind string, d time.Duration)
	// DeadLetter is called for every dead letter.
	DeadLetter(d DeadLetter)
}

// NopObserver implements Observer and does nothing. Embed it in an observer
// that cares about only some events.
type NopObserver struct{}

// ActorSpawned does nothing.
func (NopObserver) ActorSpawned(string) {}

// ActorStopped does nothing.
func (NopObserver) ActorStopped(string, error) {}

// ActorPanicked does nothing.
func (NopObserver) ActorPanicked(string, *PanicError) {}

// ActorRestarted does nothing.
func (NopObserver) ActorRestarted(string) {}

// MessageHandled does nothing.
func (NopObserver) MessageHandled(string, time.Duration) {}

// DeadLetter does nothing.
func (NopObserver) DeadLetter(DeadLetter) {}

// The runtime calls the Observer through these, so that an observer that
// panics is logged, at a limited rate, and never takes an actor or the
// process down. Each costs one nil check when no observer is set.

func (s *System) observeSpawned(kind string) {
	if s.observer != nil {
		defer s.recoverObserver()
		s.observer.ActorSpawned(kind)
	}
}

func (s *System) observeStopped(kind string, reason error) {
	if s.observer != nil {
		defer s.recoverObserver()
		s.observer.ActorStopped(kind, reason)
	}
}

func (s *System) observePanicked(kind string, err *PanicError) {
	if s.observer != nil {
		defer s.recoverObserver()
		s.observer.ActorPanicked(kind, err)
	}
}

func (s *System) observeRestarted(kind string) {
	if s.observer != nil {
		defer s.recoverObserver()
		s.observer.ActorRestarted(kind)
	}
}

func (s *System) observeHandled(kind string, d time.Duration) {
	defer s.recoverObserver()
	s.observer.MessageHandled(kind, d)
}

func (s *System) observeDeadLetter(d DeadLetter) {
	if s.observer != nil {
		defer s.recoverObserver()
		s.observer.DeadLetter(d)
	}
}

func (s *System) recoverObserver() {
	if r := recover(); r != nil {
		s.logLimited("observer", "", "actor: observer panicked", debug.Stack, "panic", r)
	}
}
