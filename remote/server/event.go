package server

import (
	"context"
	"sync"
	"sync/atomic"
)

// An Event is a flag that starts unset and, once Set, stays set; goroutines
// can wait for it. It is gevent's Event without Clear: a one-way signal
// that any goroutine may raise and any number may wait on, such as "stop
// the server" (see Server.StopOn and SetOnSignal).
//
// The zero value is an unset Event ready to use. An Event must not be
// copied after first use.
type Event struct {
	once sync.Once
	ch   atomic.Pointer[chan struct{}] // made on first use, closed by Set
}

// NewEvent returns a new, unset Event.
func NewEvent() *Event {
	return new(Event)
}

// channel returns the channel Set closes, making it on first use.
func (e *Event) channel() chan struct{} {
	if p := e.ch.Load(); p != nil {
		return *p
	}
	c := make(chan struct{})
	if e.ch.CompareAndSwap(nil, &c) {
		return c
	}
	return *e.ch.Load()
}

// Set sets the event and wakes every waiter. Setting it again does nothing.
func (e *Event) Set() {
	e.once.Do(func() { close(e.channel()) })
}

// IsSet reports whether Set has been called.
func (e *Event) IsSet() bool {
	select {
	case <-e.channel():
		return true
	default:
		return false
	}
}

// Wait blocks until the event is set, returning nil, or until ctx is done,
// returning ctx's error. An event already set wins over a done ctx.
func (e *Event) Wait(ctx context.Context) error {
	done := e.channel()
	select {
	case <-done:
		return nil
	default:
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Done returns a channel that is closed when the event is set, for use in a
// select.
func (e *Event) Done() <-chan struct{} {
	return e.channel()
}
